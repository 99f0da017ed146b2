using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Registration;

/// <summary>
/// The local mysqld's process, learned from the server's own pid file, so that its end is seen within a tenth of a
/// second at the cost of reading /proc/{pid}/stat. (Reading the kernel's socket tables that often costs milliseconds
/// of system time per read, because the kernel walks every TCP bucket to list them.) Unknown when the pid file cannot
/// be read, or names no mysqld of this host: the agent then sees a death at its next health check only.
/// </summary>
internal sealed partial class MysqldProcess(AgentSettings settings, ServerConnections connections, ILogger<MysqldProcess> logger)
{
    private int? _pid;

    /// <summary>After mysqld answered: learns its process again when it is unknown or no longer the one that runs.</summary>
    public async Task LearnAsync(CancellationToken cancellation)
    {
        if (_pid is { } known && IsRunning(known)) return;
        _pid = null;
        try
        {
            await using var connection = new MySqlConnection(connections.For(settings.Server, settings.AdminCredentials));
            await connection.OpenAsync(cancellation);
            var pidFile = (string?)await new MySqlCommand("SELECT @@pid_file", connection).ExecuteScalarAsync(cancellation);
            if (pidFile is null || !File.Exists(pidFile)) return;
            // A pid file of another host (the server is not local) or a stale one names no running mysqld here.
            if (int.TryParse((await File.ReadAllTextAsync(pidFile, cancellation)).Trim(), out var pid) && IsRunning(pid) && IsMysqld(pid))
                _pid = pid;
        }
        catch (Exception e) when (e is MySqlException or IOException or UnauthorizedAccessException)
        {
            LogUnknown(e.Message);
        }
    }

    /// <summary>
    /// The process learned last, while it is still alive (stopped or not) and still a mysqld (its number may be given to
    /// another process once it ended); null when none is known.
    /// </summary>
    public int? Pid => _pid is { } pid && IsRunning(pid) && IsMysqld(pid) ? pid : null;

    /// <summary>Whether the process learned last has ended (false while none is known).</summary>
    public bool Ended => _pid is { } pid && !IsRunning(pid);

    /// <summary>The process learned last when it is stopped (SIGSTOP, a debugger): alive, holding its port, serving nothing.</summary>
    public int? StoppedPid => _pid is { } pid && ProcessStat.IsStopped(ProcessStat.StateOf(pid)) && IsMysqld(pid) ? pid : null;

    private static bool IsRunning(int pid) => ProcessStat.IsRunning(ProcessStat.StateOf(pid));

    private static bool IsMysqld(int pid)
    {
        try
        {
            var name = File.ReadAllText($"/proc/{pid}/comm").Trim();
            return name is "mysqld" or "mariadbd";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "mysqld's process is not known ({Reason}): its death is seen at the next health check")]
    private partial void LogUnknown(string reason);
}
