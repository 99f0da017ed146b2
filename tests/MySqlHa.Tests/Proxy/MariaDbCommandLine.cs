using System.Diagnostics;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>
/// Debian's <c>mariadb</c> command-line client, run as an operator runs it: its own process, over TCP, the password
/// in MYSQL_PWD rather than on the command line. A second client library besides MySqlConnector, with its own
/// handshake and packet habits, through the proxy.
/// </summary>
internal static class MariaDbCommandLine
{
    /// <summary>Runs <paramref name="sql"/> against 127.0.0.1:<paramref name="port"/> as the sandbox admin; answers the exit code and the tab-separated rows.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(int port, string sql)
    {
        var credentials = SandboxSettings.Current.Admin;
        var start = new ProcessStartInfo("mariadb",
            ["--no-defaults", "--protocol=tcp", "-h", "127.0.0.1", "-P", port.ToString(), "-u", credentials.User,
             "--connect-timeout=15", "-N", "-B", "-e", sql])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MYSQL_PWD"] = credentials.ReadPassword();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"mariadb -e \"{sql}\" on port {port} did not finish within a minute");
        }
        return (process.ExitCode, (await output).Trim(), (await error).Trim());
    }

    /// <summary>The port of the server a fresh session through <paramref name="port"/> lands on.</summary>
    public static async Task<int> PortBehindAsync(int port)
    {
        var (exitCode, output, error) = await RunAsync(port, "SELECT @@port");
        Assert.True(exitCode == 0, $"mariadb exited with {exitCode}: {error}");
        return int.Parse(output);
    }
}
