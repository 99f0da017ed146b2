using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// What the agent says about its own mysqld. A live agent with a dead mysqld lets the controller tell
/// "host gone" (no agent key) from "mysqld down" (key says so). <paramref name="ProcessGone"/>: mysqld does not answer
/// and nothing listens on its port on this host, so its process is gone (crashed or killed), not hung.
/// <paramref name="ProcessStopped"/>: mysqld's process is stopped (state T or t in /proc/{pid}/stat: SIGSTOP, a
/// debugger), a fact the kernel shows, not a timeout: it holds its port and answers nothing until it is continued.
/// </summary>
public sealed record LocalServerHealth(bool MysqldUp, string Detail, string? GtidExecuted, bool? ReadOnly, DateTimeOffset ObservedAt,
    bool ProcessGone = false, bool ProcessStopped = false)
{
    /// <param name="listening">Whether something listens on the server's port on this host, read after the probe.</param>
    public static LocalServerHealth From(ProbeResult probe, bool listening, DateTimeOffset now) => probe.Snapshot is { } snapshot
        ? new LocalServerHealth(true, $"{snapshot.Flavor} {snapshot.Version}", snapshot.GtidExecuted, snapshot.ReadOnly, now)
        : listening
            ? new LocalServerHealth(false, probe.Failure ?? "unreachable", null, null, now)
            : new LocalServerHealth(false, $"nothing listens on its port: {probe.Failure ?? "unreachable"}", null, null, now, ProcessGone: true);

    /// <summary>mysqld's process is stopped (SIGSTOP, a debugger): it holds its port and answers nothing until continued.</summary>
    public static LocalServerHealth Stopped(int pid, DateTimeOffset now) =>
        new(false, $"its process {pid} is stopped (SIGSTOP or a debugger): it holds its port and answers nothing", null, null, now,
            ProcessStopped: true);

    /// <summary>Whether publishing again is worth an etcd write: only a change of verdict is.</summary>
    public bool SameVerdictAs(LocalServerHealth? other) =>
        other is not null && other.MysqldUp == MysqldUp && other.ReadOnly == ReadOnly && other.Detail == Detail && other.ProcessGone == ProcessGone
        && other.ProcessStopped == ProcessStopped;
}
