using System.ComponentModel;
using System.Diagnostics;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.Registration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// STONITH at the level of the process: a mysqld whose process is stopped (SIGSTOP, a debugger) holds its port and
/// answers nothing, so no fence by SQL reaches it, yet it resumes writable the moment it is continued. Killing it is
/// the one proof that it cannot. Only a stopped process is killed: one that runs, or waits on its disk, may be
/// serving, and its fence is refused as before. Turned off by <see cref="AgentSettings.KillStoppedMysqld"/>.
/// </summary>
internal sealed partial class StoppedMysqldKiller(AgentSettings settings, MysqldProcess mysqld, TimeProvider clock, ILogger<StoppedMysqldKiller> logger)
{
    /// <summary>How long the killed process may take to end, or to release its port (the kernel closes its sockets as it dies).</summary>
    private static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>The process holding mysqld's port when it is stopped and may be killed; null otherwise.</summary>
    public int? FindStopped()
    {
        if (!settings.KillStoppedMysqld) return null;
        // The process learned from mysqld's pid file, else whichever holds the port: what could resume serving on it.
        var pid = mysqld.Pid ?? LocalListener.OwnerOf(settings.Server.Port);
        return pid is { } found && ProcessStat.IsStopped(ProcessStat.StateOf(found)) ? found : null;
    }

    /// <summary>
    /// Kills the stopped process and waits until it has ended or nothing listens on its port: the fence's proof. Its
    /// main thread ends at once; threads waiting on the disk (asynchronous writes in flight) may hold its files, its
    /// listening socket among them, a little longer, but none of them runs mysqld's code again.
    /// </summary>
    public async Task<FenceAnswer> KillAsync(int pid)
    {
        var port = settings.Server.Port;
        // Looked at again in the command's turn: a process continued meanwhile may be serving, and is not killed.
        if (!ProcessStat.IsStopped(ProcessStat.StateOf(pid)))
            throw new ReplicationCommandException(settings.Server, "fence", $"mysqld's process {pid} is no longer stopped, so it was not killed");
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // It ended by itself meanwhile: what follows proves it gone all the same.
        }
        catch (Win32Exception e)
        {
            throw new ReplicationCommandException(settings.Server, "fence", $"mysqld's process {pid} is stopped and may not be killed by the agent: {e.Message}");
        }
        LogKilled(pid, port);
        var deadline = clock.GetUtcNow() + GoneWithin;
        while (ProcessStat.IsRunning(ProcessStat.StateOf(pid)) && LocalListener.IsListening(port))
        {
            if (clock.GetUtcNow() > deadline)
                throw new ReplicationCommandException(settings.Server, "fence",
                    $"mysqld's process {pid} was stopped and killed, yet {GoneWithin.TotalSeconds:0} s later it still runs and listens on port {port}");
            await Task.Delay(Poll, clock);
        }
        var ended = LocalListener.IsListening(port) ? $"its process has ended (its last threads are closing its files, port {port} among them)"
            : $"nothing listens on port {port} on this host any more";
        return new FenceAnswer(FenceProof.ProcessGone, 0,
            $"mysqld's process {pid} was stopped (it held port {port} and answered nothing) and was killed (SIGKILL) by its agent; {ended}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fence: mysqld's process {Pid} was stopped while holding port {Port}; killed it (SIGKILL)")]
    private partial void LogKilled(int pid, int port);
}
