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
/// mysqld, and whether mysqld's process is gone (nothing listens on its port on that host).
/// </summary>
public sealed record AgentReport(bool Registered, bool? MysqldUp, string? Detail, bool ProcessGone = false, bool AddressRefuses = false);

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
    /// host's services are killed), which a network cut does not look like (it drops, it does not refuse). Pure.
    /// </summary>
    public static MasterVerdict Judge(Cluster cluster, InstanceObservation? master, DateTimeOffset? lostSince, AgentReport agent,
        IReadOnlyList<InstanceObservation?> followers, DateTimeOffset now, TimeSpan confirmFor)
    {
        if (cluster.Master is not { } registered || master?.Probe.Snapshot is not null || lostSince is null)
            return new(MasterCondition.Alive, "the controller reaches the master", []);
        var evidence = new List<string> { $"the controller has not reached {registered.Name} for {(now - lostSince.Value).TotalMilliseconds:0} ms: {master?.Probe.Failure}{(master?.Probe.Refused == true ? " (its port refuses connections)" : "")}" };
        var processGone = agent is { Registered: true, MysqldUp: false, ProcessGone: true };
        var bothRefuse = master?.Probe.Refused == true && agent is { Registered: false, AddressRefuses: true };
        if (now - lostSince.Value < confirmFor && !processGone && !bothRefuse)
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
            return new(MasterCondition.Unreachable, $"{string.Join(", ", connected)} still replicate from it: the controller may be cut off", evidence)
            {
                StillConnected = connected,
            };
        if (!agentAgrees)
            return new(MasterCondition.Unreachable, "its agent reports mysqld up", evidence);
        return new(MasterCondition.Dead, "the controller, the agent and the replicas agree that the master is down", evidence, processGone);
    }

    internal static bool IsConnectedTo(ClusterInstance master, ServerSnapshot follower) =>
        follower.Replication is { IoThread: ReplicationThreadState.Running } replication
        && master.Endpoint.Matches(replication.Source.Host, replication.Source.Port);

    private static string Detail(string? error) => string.IsNullOrEmpty(error) ? "" : $" ({error})";
}
