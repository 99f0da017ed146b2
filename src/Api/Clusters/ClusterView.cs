using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;

namespace MySqlHa.Api.Clusters;

public sealed record CredentialsView(string User, string Secret);

/// <summary>A cluster as our records hold it, plus the topology the servers report right now.</summary>
public sealed record ClusterView(
    Guid Id,
    string Name,
    string Flavor,
    IReadOnlyList<ClusterInstance> Instances,
    CredentialsView AdminCredentials,
    CredentialsView? ReplicationCredentials,
    DateTimeOffset RegisteredAt,
    long Version,
    Guid? RunningOperation,
    DateTimeOffset? RunningOperationDeadline,
    bool Switching,
    FailoverPolicy FailoverPolicy,
    SemiSyncView SemiSync,
    DateTimeOffset? AutomaticFailoverBlockedUntil,
    DiscoveredTopology? Topology)
{
    public static ClusterView From(Cluster cluster, DiscoveredTopology? topology) => new(
        cluster.Id,
        cluster.Name,
        cluster.Flavor.ToName(),
        cluster.Instances,
        View(cluster.AdminCredentials),
        cluster.ReplicationCredentials is { } replication ? View(replication) : null,
        cluster.RegisteredAt,
        cluster.Version,
        cluster.RunningOperation,
        cluster.RunningOperationDeadline,
        cluster.Switching,
        cluster.FailoverPolicy,
        SemiSyncView.From(cluster.SemiSync, cluster.SemiSyncHealth),
        cluster.AutomaticFailoverBlockedUntil,
        topology);

    private static CredentialsView View(ServerCredentials credentials) => new(credentials.User, credentials.Secret);
}
