using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Workflows.Failover;

public enum MasterCondition
{
    /// <summary>The controller reaches it.</summary>
    Alive,

    /// <summary>The controller lost it too recently to judge.</summary>
    Suspected,

    /// <summary>The controller lost it, but another signal says it lives: alert, do not fail over.</summary>
    Unreachable,

    /// <summary>Every signal agrees: fail over.</summary>
    Dead,
}

/// <summary>
/// What the agent beside the master says in etcd: nothing (its lease is gone, or nothing answers at its address:
/// <paramref name="Detail"/> says which, and <paramref name="AddressRefuses"/> says it is the latter), or its verdict on
/// mysqld, and whether mysqld's process is gone (nothing listens on its port on that host) or
/// <paramref name="Stopped"/> (its state in /proc is T or t: SIGSTOP, a debugger).
/// </summary>
public sealed record AgentReport(bool Registered, bool? MysqldUp, string? Detail, bool ProcessGone = false, bool AddressRefuses = false,
    StoppedProcessReport? Stopped = null);

/// <summary>
/// The agent's report that mysqld's process is stopped: <paramref name="ObservedAt"/> by the agent's clock (for the
/// record), <paramref name="HeardAt"/> when this controller first heard it, by its own clock (what the confirmation
/// period is counted from, so that the two hosts' clocks need not agree).
/// </summary>
public sealed record StoppedProcessReport(DateTimeOffset ObservedAt, DateTimeOffset HeardAt);

/// <summary>
/// The judgement on a master, with every signal that led to it, as an auditor needs them. <paramref name="ProcessGone"/>:
/// its agent proved mysqld's process gone.
/// </summary>
public sealed record MasterVerdict(MasterCondition Condition, string Reason, IReadOnlyList<string> Evidence, bool ProcessGone = false)
{
    /// <summary>The replicas whose IO threads were still connected to the lost master, when that kept it from being judged dead.</summary>
    public IReadOnlyList<string> StillConnected { get; init; } = [];

    /// <summary>
    /// The master is declared dead only when independent signals agree: the controller has not reached it for
    /// <paramref name="confirmFor"/>; its agent's lease is gone or the agent says mysqld is down; and every active
    /// replica we can reach has its IO thread disconnected from it (at least one must be reachable). A controller cut
    /// off from a master that its replicas still see is "unreachable", never dead. When the agent reports mysqld's
    /// process gone, the controller's failed probe needs no confirming period: that process cannot answer again, and
    /// the replicas must still agree. Nor when the master's host refused the controller's connection and nothing
    /// answers at its agent's address either: the host is up and neither process listens (both gone, as when the
    /// host's services are killed), which a network cut does not look like (it drops, it does not refuse).
    /// An agent's report that mysqld's process is stopped counts as the controller's lost probe from when the
    /// controller heard it (a probe of a stopped server could only time out), unless a probe reached the master since
    /// (it was continued); the confirming period still applies (a debugger or gcore stops a process briefly), and so
    /// do the agent's and the replicas' agreement. Pure.
    /// </summary>
    public static MasterVerdict Judge(Cluster cluster, InstanceObservation? master, DateTimeOffset? lostSince, AgentReport agent,
        IReadOnlyList<InstanceObservation?> followers, DateTimeOffset now, TimeSpan confirmFor)
    {
        var probeLostSince = master?.Probe.Snapshot is null ? lostSince : null;
        var stopped = agent is { Registered: true, MysqldUp: false, Stopped: { } report } && !(master?.LastSeen?.ObservedAt >= report.HeardAt)
            ? agent.Stopped : null;
        if (cluster.Master is not { } registered || Earliest(probeLostSince, stopped?.HeardAt) is not { } since)
            return new(MasterCondition.Alive, "the controller reaches the master", []);
        var evidence = new List<string>();
        if (probeLostSince is { } probeLost)
            evidence.Add($"the controller has not reached {registered.Name} for {(now - probeLost).TotalMilliseconds:0} ms: {master?.Probe.Failure}{(master?.Probe.Refused == true ? " (its port refuses connections)" : "")}");
        if (stopped is not null)
            evidence.Add($"its agent reported at {stopped.ObservedAt:O} that mysqld's process is stopped (its state in /proc, not a timeout); "
                + $"heard {(now - stopped.HeardAt).TotalMilliseconds:0} ms ago and counted as lost since"
                + (master?.LastSeen is { } last ? $" (the controller's last answer from {registered.Name} came {(now - last.ObservedAt).TotalMilliseconds:0} ms ago)" : ""));
        var processGone = agent is { Registered: true, MysqldUp: false, ProcessGone: true };
        var bothRefuse = master?.Probe.Refused == true && agent is { Registered: false, AddressRefuses: true };
        if (now - since < confirmFor && !processGone && !bothRefuse)
            return new(MasterCondition.Suspected, $"lost for less than {confirmFor.TotalMilliseconds:0} ms", evidence);

        var agentAgrees = !agent.Registered || agent.MysqldUp == false;
        evidence.Add(!agent.Registered ? agent.Detail ?? "its agent's lease is gone"
            : agent.MysqldUp == false ? $"its agent reports mysqld down: {agent.Detail}"
            : "its agent reports mysqld up");

        var reachable = followers.Where(f => f?.Probe.Snapshot is not null).Select(f => (f!.Instance, f.Probe.Snapshot!)).ToList();
        var connected = reachable.Where(f => IsConnectedTo(registered, f.Item2)).Select(f => f.Instance).ToList();
        foreach (var (name, snapshot) in reachable)
            evidence.Add(connected.Contains(name) ? $"{name}'s IO thread is connected to it"
                : $"{name}'s IO thread is {snapshot.Replication?.IoThread.ToString().ToLowerInvariant() ?? "not configured"}{Detail(snapshot.Replication?.LastIoError)}");

        if (reachable.Count == 0)
            return new(MasterCondition.Unreachable, "no replica can be reached to confirm the master's death", evidence);
        if (connected.Count > 0)
            return new(MasterCondition.Unreachable, stopped is not null
                ? $"its process is stopped, but {string.Join(", ", connected)} still replicate from it: their connections have not timed out yet"
                : $"{string.Join(", ", connected)} still replicate from it: the controller may be cut off", evidence)
            {
                StillConnected = connected,
            };
        if (!agentAgrees)
            return new(MasterCondition.Unreachable, "its agent reports mysqld up", evidence);
        return new(MasterCondition.Dead, "the controller, the agent and the replicas agree that the master is down", evidence, processGone);
    }

    internal static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null || a <= b ? a : b;

    internal static bool IsConnectedTo(ClusterInstance master, ServerSnapshot follower) =>
        follower.Replication is { IoThread: ReplicationThreadState.Running } replication
        && master.Endpoint.Matches(replication.Source.Host, replication.Source.Port);

    private static string Detail(string? error) => string.IsNullOrEmpty(error) ? "" : $" ({error})";
}
