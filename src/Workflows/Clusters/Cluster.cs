using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;

namespace MySqlHa.Workflows.Clusters;

/// <summary>A managed cluster as our records hold it (not as the servers report it: see DiscoveredTopology).</summary>
public sealed record Cluster(
    Guid Id,
    string Name,
    DatabaseFlavor Flavor,
    IReadOnlyList<NamedEndpoint> Instances,
    ServerCredentials AdminCredentials,
    ServerCredentials? ReplicationCredentials,
    DateTimeOffset RegisteredAt,
    long Version)
{
    public static Cluster Create(ClusterRegistered registered) => new(
        registered.ClusterId,
        registered.Name,
        registered.Flavor,
        registered.Instances,
        registered.AdminCredentials,
        registered.ReplicationCredentials,
        registered.RegisteredAt,
        Version: 1);
}
