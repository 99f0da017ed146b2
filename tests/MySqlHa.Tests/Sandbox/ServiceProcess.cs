using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MySqlHa.Tests.Sandbox;

/// <summary>One of our programs (src/Agent, src/Proxy) run as operators run it: its own process, configured by environment.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    private ServiceProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Url { get; private init; } = "";

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>
    /// Starts src/{project} with the given environment; a null value removes the variable. With <paramref name="launcher"/>,
    /// that command runs it (setpriv with its options, say), as a service manager might. It listens on 127.0.0.1 over
    /// <paramref name="scheme"/> (https needs a certificate in its environment).
    /// </summary>
    public static ServiceProcess Start(string project, IDictionary<string, string?> environment, IReadOnlyList<string>? launcher = null,
        string scheme = "http")
    {
        var assembly = ProjectAssembly(project);
        var url = $"{scheme}://127.0.0.1:{FreePort()}";
        string[] command = [.. launcher ?? [], "dotnet", assembly];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly),
        };
        start.Environment["ASPNETCORE_URLS"] = url;
        foreach (var (key, value) in environment)
            if (value is null) start.Environment.Remove(key); else start.Environment[key] = value.Replace("{url}", url);
        return new ServiceProcess(Process.Start(start)!) { Url = url };
    }

    /// <summary>
    /// A port nothing listens on, never one handed out before in this process: the kernel may give a just-closed port
    /// back at once, and two listeners of one proxy then got the same port.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
                if (HandedOut.Add(port)) return port;
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    public void KillHard() => _process.Kill(entireProcessTree: true);

    public int Id => _process.Id;

    /// <summary>Freezes the process (SIGSTOP), as a long GC pause or a stalled VM would; <see cref="Resume"/> lets it run on.</summary>
    public void Suspend() => Process.Start("kill", ["-STOP", _process.Id.ToString()])!.WaitForExit();

    public void Resume() => Process.Start("kill", ["-CONT", _process.Id.ToString()])!.WaitForExit();

    /// <summary>A clean stop, as systemd or Ctrl-C would ask for it.</summary>
    public void Interrupt() => Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    /// <summary>src/{project}'s build output for the same configuration as these tests (bin/{Configuration}/net10.0).</summary>
    public static string ProjectAssembly(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent!.Name;
        var repository = testOutput.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(repository, "src", project, "bin", configuration, testOutput.Name, $"MySqlHa.{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build src/{project} first", path);
    }
}
