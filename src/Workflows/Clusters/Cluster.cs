using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// A managed cluster as our records hold it (not as the servers report it: see DiscoveredTopology). Rebuilt from
/// the cluster's event stream; <paramref name="Version"/> counts its events, so it only ever increases.
/// </summary>
public sealed record Cluster(
    Guid Id,
    string Name,
    DatabaseFlavor Flavor,
    IReadOnlyList<ClusterInstance> Instances,
    ServerCredentials AdminCredentials,
    ServerCredentials? ReplicationCredentials,
    DateTimeOffset RegisteredAt,
    long Version)
{
    public ClusterInstance? Master => Instances.FirstOrDefault(i => i.Role == InstanceRole.Master);

    public ClusterInstance? Standby => Instances.FirstOrDefault(i => i.Role == InstanceRole.Standby);

    public ClusterInstance? Find(string name) => Instances.FirstOrDefault(i => i.Name == name);

    public IReadOnlyList<NamedEndpoint> Members => Instances.Select(i => new NamedEndpoint(i.Name, i.Endpoint)).ToList();

    public static Cluster Create(ClusterRegistered registered) => new(
        registered.ClusterId,
        registered.Name,
        registered.Flavor,
        registered.Instances.Select(i => ClusterInstance.Unregistered(i.Name, i.Endpoint, version: 1)).ToList(),
        registered.AdminCredentials,
        registered.ReplicationCredentials,
        registered.RegisteredAt,
        Version: 1);

    public static Cluster Apply(InstanceRegistered e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { Role = e.Role, ReplicationActive = false, Paused = false });

    public static Cluster Apply(InstanceUnregistered e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => ClusterInstance.Unregistered(i.Name, i.Endpoint, i.ChangedAtVersion));

    public static Cluster Apply(ReplicationActivated e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { ReplicationActive = true });

    public static Cluster Apply(ReplicationDetached e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { ReplicationActive = false, Paused = false });

    public static Cluster Apply(InstancePaused e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { Paused = true });

    public static Cluster Apply(InstanceResumed e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { Paused = false });

    public static Cluster Apply(InstanceStatusChanged e, Cluster cluster) =>
        cluster.Change(e.Instance, i => i with { Status = e.To, StatusReason = e.Reason, StatusSince = e.ObservedAt });

    /// <summary>An operation on the instance: besides the change, it marks the version from which probes count.</summary>
    private Cluster Operate(string instance, Func<ClusterInstance, ClusterInstance> change) =>
        Change(instance, i => change(i) with { ChangedAtVersion = Version + 1 });

    private Cluster Change(string instance, Func<ClusterInstance, ClusterInstance> change) => this with
    {
        Instances = Instances.Select(i => i.Name == instance ? change(i) : i).ToList(),
        Version = Version + 1,
    };
}
