using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;
using Wolverine.Marten;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// Put a cluster under management. The caller has already checked the endpoints against the live servers
/// (that is I/O, and handlers decide without it); the versions they answered travel with the command.
/// </summary>
public sealed record RegisterCluster(
    Guid ClusterId,
    string Name,
    DatabaseFlavor Flavor,
    IReadOnlyList<NamedEndpoint> Instances,
    ServerCredentials AdminCredentials,
    ServerCredentials? ReplicationCredentials,
    IReadOnlyDictionary<string, string> ServerVersions);

public static class RegisterClusterHandler
{
    public static IStartStream Handle(RegisterCluster command, TimeProvider clock) =>
        MartenOps.StartStream<Cluster>(command.ClusterId, new ClusterRegistered(
            command.ClusterId,
            command.Name,
            command.Flavor,
            command.Instances,
            command.AdminCredentials,
            command.ReplicationCredentials,
            command.ServerVersions,
            clock.GetUtcNow()));
}
