using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// A cluster came under management. Credentials are references to secret files, never the secrets.
/// <paramref name="ServerVersions"/> records what each endpoint answered when it was checked at registration.
/// </summary>
public sealed record ClusterRegistered(
    Guid ClusterId,
    string Name,
    DatabaseFlavor Flavor,
    IReadOnlyList<NamedEndpoint> Instances,
    ServerCredentials AdminCredentials,
    ServerCredentials? ReplicationCredentials,
    IReadOnlyDictionary<string, string> ServerVersions,
    DateTimeOffset RegisteredAt);
