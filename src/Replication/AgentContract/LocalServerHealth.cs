using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// What the agent says about its own mysqld. A live agent with a dead mysqld lets the controller tell
/// "host gone" (no agent key) from "mysqld down" (key says so).
/// </summary>
public sealed record LocalServerHealth(bool MysqldUp, string Detail, string? GtidExecuted, bool? ReadOnly, DateTimeOffset ObservedAt)
{
    public static LocalServerHealth From(ProbeResult probe, DateTimeOffset now) => probe.Snapshot is { } snapshot
        ? new LocalServerHealth(true, $"{snapshot.Flavor} {snapshot.Version}", snapshot.GtidExecuted, snapshot.ReadOnly, now)
        : new LocalServerHealth(false, probe.Failure ?? "unreachable", null, null, now);

    /// <summary>Whether publishing again is worth an etcd write: only a change of verdict is.</summary>
    public bool SameVerdictAs(LocalServerHealth? other) =>
        other is not null && other.MysqldUp == MysqldUp && other.ReadOnly == ReadOnly && other.Detail == Detail;
}
