using System.Diagnostics;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

/// <summary>
/// The Api runs the handlers' code generated ahead of time (src/Api/Internal/Generated). Code that no longer matches
/// the handlers would run stale steps, so the committed files must be exactly what code generation writes today.
/// </summary>
public sealed class GeneratedHandlerCodeTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("mysqlha-codegen-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public async Task The_committed_handler_code_is_what_code_generation_writes_for_the_handlers_built_today()
    {
        var api = ServiceProcess.ProjectAssembly("Api");
        var committed = Path.Combine(Path.GetDirectoryName(api)!, "..", "..", "..", "Internal", "Generated");

        // Code generation writes under its working directory, here a scratch folder; it connects to nothing.
        var start = new ProcessStartInfo("dotnet", [api, "codegen", "write"])
        {
            WorkingDirectory = _scratch.FullName, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Database=codegen";
        start.Environment["Etcd__Endpoint"] = "http://127.0.0.1:2379";
        using var codegen = Process.Start(start)!;
        var output = codegen.StandardOutput.ReadToEndAsync();
        var errors = await codegen.StandardError.ReadToEndAsync();
        await codegen.WaitForExitAsync();
        Assert.True(codegen.ExitCode == 0, $"codegen write exited {codegen.ExitCode}: {errors}{await output}");

        var written = Path.Combine(_scratch.FullName, "Internal", "Generated");
        var expected = Files(written);
        var actual = Files(committed);
        const string fix = "run scripts/codegen.sh and commit src/Api/Internal/Generated";
        Assert.True(expected.Keys.Order().SequenceEqual(actual.Keys.Order()),
            $"generated files differ ({fix}): missing {string.Join(", ", expected.Keys.Except(actual.Keys))}; stale {string.Join(", ", actual.Keys.Except(expected.Keys))}");
        foreach (var (name, content) in expected)
            Assert.True(content == actual[name], $"{name} differs from what code generation writes today ({fix})");
    }

    private static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllText);
}
