using MySqlHa.Coordination.Topology;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Topology;

/// <summary>
/// What proxies are told about a cluster: the master for read-write, and the standby and replicas whose status is
/// OK for read-only (a lagging, lost or failing replica leaves the read pool). Pure.
/// </summary>
public static class TopologyPublication
{
    public static PublishedTopology From(Cluster cluster)
    {
        var state = cluster.Switching ? TopologyState.Switching : TopologyState.Serving;
        // A fenced master (a failover under way) is never offered to writers, even before the new one is published.
        var master = cluster.Master is { Fenced: false } m ? new[] { Address(m) } : [];
        var readers = cluster.Instances
            .Where(i => i.Role is InstanceRole.Replica or InstanceRole.Standby && i.Status == InstanceStatus.Ok && !i.Fenced)
            .Select(Address)
            .ToList();
        var instances = cluster.Instances
            .Where(i => i.Role != InstanceRole.Unregistered)
            .Select(i => new PublishedInstance(i.Name, i.Endpoint.Host, i.Endpoint.Port,
                i.Role.ToString().ToLowerInvariant(), i.Status.ToString().ToUpperInvariant(), i.StatusReason))
            .ToList();
        return new PublishedTopology(cluster.Name, cluster.Version, state, new ContainerGroup(master), new ContainerGroup(readers))
        {
            Epoch = cluster.RegisteredAt.ToUnixTimeMilliseconds(),
            Instances = instances,
        };
    }

    private static ContainerAddress Address(ClusterInstance instance) =>
        new(instance.Endpoint.Host, instance.Endpoint.Port, instance.Name);
}
