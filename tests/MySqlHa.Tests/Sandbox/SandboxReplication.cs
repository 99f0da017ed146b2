using System.Diagnostics;
using MySqlConnector;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Tests.Sandbox;

/// <summary>Direct access to the sandbox servers, for arranging and checking what the code under test did.</summary>
public static class SandboxReplication
{
    public static ServerEndpoint Primary => SandboxSettings.Current.MariaDb[0];

    public static IReadOnlyList<ServerEndpoint> Replicas => SandboxSettings.Current.MariaDb.Skip(1).ToList();

    public static async Task<MySqlConnection> OpenAsync(ServerEndpoint endpoint, CancellationToken cancellation = default)
    {
        var connection = new MySqlConnection(
            SandboxConnections.ConnectionString(endpoint, SandboxSettings.Current.Admin, TimeSpan.FromSeconds(5)));
        await connection.OpenAsync(cancellation);
        return connection;
    }

    public static async Task<T?> ScalarAsync<T>(ServerEndpoint endpoint, string sql)
    {
        await using var connection = await OpenAsync(endpoint);
        var value = await new MySqlCommand(sql, connection).ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T));
    }

    public static async Task ExecuteAsync(ServerEndpoint endpoint, string sql)
    {
        await using var connection = await OpenAsync(endpoint);
        await new MySqlCommand(sql, connection).ExecuteNonQueryAsync();
    }

    /// <summary>Commits one row on the primary, waits until every replica has it, and returns the GTID position.</summary>
    public static async Task<string> WriteAndReplicateAsync()
    {
        await ExecuteAsync(Primary,
            "CREATE DATABASE IF NOT EXISTS mysqlha_test; CREATE TABLE IF NOT EXISTS mysqlha_test.marks (id INT AUTO_INCREMENT PRIMARY KEY); INSERT INTO mysqlha_test.marks VALUES ()");
        await WaitForReplicasAsync(TimeSpan.FromSeconds(10));
        return (await ScalarAsync<string>(Primary, "SELECT @@gtid_binlog_pos"))!;
    }

    /// <summary>Waits until every replica has applied the primary's current GTID position.</summary>
    public static async Task WaitForReplicasAsync(TimeSpan timeout)
    {
        var position = await ScalarAsync<string>(Primary, "SELECT @@gtid_binlog_pos");
        foreach (var replica in Replicas)
        {
            var waited = await ScalarAsync<long>(replica,
                $"SELECT MASTER_GTID_WAIT('{position}', {timeout.TotalSeconds:0})");
            if (waited != 0) throw new TimeoutException($"{replica} did not reach {position} within {timeout}");
        }
    }

    /// <summary>
    /// Waits until a switchover's catch-up waits on <paramref name="candidate"/> (MASTER_GTID_WAIT in its process
    /// list): the old master's freeze and final position are behind it, though the step that did them (and writes their
    /// events when it ends) is still under way.
    /// </summary>
    public static async Task WaitForCatchUpAsync(ServerEndpoint candidate, TimeSpan timeout)
    {
        const string waiting = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT MASTER_GTID_WAIT%'";
        for (var deadline = DateTime.UtcNow + timeout; await ScalarAsync<long>(candidate, waiting) == 0; await Task.Delay(50))
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no catch-up waited on {candidate} within {timeout}");
    }

    /// <summary>Stops sandbox MariaDB instance <paramref name="number"/> (1-based) as a crash would leave it: gone.</summary>
    public static void StopServer(int number) => Kill(Path.Combine($"mariadb{number}", "mariadbd.pid"));

    /// <summary>Freezes sandbox MariaDB instance <paramref name="number"/> (SIGSTOP): hung, not dead; its sockets stay open.</summary>
    public static void SuspendServer(int number) => Signal(number, "STOP");

    public static void ResumeServer(int number) => Signal(number, "CONT");

    private static void Signal(int number, string signal) => Signal(Path.Combine($"mariadb{number}", "mariadbd.pid"), signal);

    /// <summary>Freezes the sandbox's etcd member (SIGSTOP): every call to it hangs, nothing in it expires.</summary>
    public static void SuspendEtcd() => Signal(Path.Combine("etcd", "etcd.pid"), "STOP");

    public static void ResumeEtcd() => Signal(Path.Combine("etcd", "etcd.pid"), "CONT");

    private static void Signal(string pidFileInSandbox, string signal)
    {
        var pid = File.ReadAllText(Path.Combine(SandboxSettings.Current.SandboxFolder, pidFileInSandbox)).Trim();
        Process.Start("kill", [$"-{signal}", pid])!.WaitForExit();
    }

    /// <summary>Stops the sandbox's etcd member as a crash would; <c>scripts/env.sh up</c> brings it back.</summary>
    public static void StopEtcd() => Kill(Path.Combine("etcd", "etcd.pid"));

    private static void Kill(string pidFileInSandbox)
    {
        var pidFile = Path.Combine(SandboxSettings.Current.SandboxFolder, pidFileInSandbox);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Puts the sandbox back to its canonical shape, from empty data (scripts/env.sh reset); throws with the script's
    /// reason when a server cannot be brought back or does not accept the sandbox users.
    /// </summary>
    public static void Reset() => RunEnvScript("reset");

    /// <summary>Resumes frozen servers and starts stopped ones, as they are: the topology is left for a reset to repair.</summary>
    public static void RestartStoppedServers()
    {
        for (var number = 1; number <= SandboxSettings.Current.MariaDb.Count; number++)
        {
            ResumeServer(number);
            StartServer(number);
        }
    }

    /// <summary>Starts a stopped server alone, as a crashed server restarts: read-only, replication stopped.</summary>
    public static void StartServer(int number) => RunEnvScript("start-server", number.ToString());

    public static void RunEnvScript(params string[] command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [SandboxSettings.Current.EnvScript, .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/env.sh {string.Join(' ', command)} did not finish within 2 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/env.sh {string.Join(' ', command)} failed ({process.ExitCode}): {error.Result}{output.Result}");
    }
}
