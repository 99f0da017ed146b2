using MySqlHa.Replication.Servers;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// One server of a cluster as our records hold it. <paramref name="ReplicationActive"/> says that we set up its
/// replication channel (for the master: the reverse channel from the standby); <paramref name="Paused"/> that an
/// operator paused it. Status, reason and since are the monitor's latest verdict. <paramref name="ChangedAtVersion"/>
/// is the cluster version of the last operation on the instance: a probe begun before it describes the old state.
/// </summary>
public sealed record ClusterInstance(
    string Name,
    ServerEndpoint Endpoint,
    InstanceRole Role,
    bool ReplicationActive,
    bool Paused,
    InstanceStatus Status,
    string? StatusReason,
    DateTimeOffset? StatusSince,
    long ChangedAtVersion)
{
    /// <summary>A failed master taken out of service by a failover: never routed to, kept read-only, until re-registered.</summary>
    public bool Fenced { get; init; }

    public static ClusterInstance Unregistered(string name, ServerEndpoint endpoint, long version) =>
        new(name, endpoint, InstanceRole.Unregistered, false, false, InstanceStatus.Unregistered, null, null, version);
}
