using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>
/// Start replication under our control: a standby or replica from the master; on the master, the reverse channel
/// from the standby, which makes the pair mutual master-standby.
/// </summary>
public sealed record ActivateReplication(string Instance) : ILifecycleOperation
{
    public LifecycleDecision Decide(Cluster cluster)
    {
        if (cluster.Find(Instance) is not { } instance) return LifecycleDecision.Refuse($"The cluster has no instance '{Instance}'.");
        if (instance.Role == InstanceRole.Unregistered) return LifecycleDecision.Refuse($"'{Instance}' is not registered; register it first.");
        if (instance.Fenced)
            return LifecycleDecision.Refuse($"'{Instance}' is a fenced former master whose history may have diverged; repair it, then unregister and register it again.");
        if (instance.ReplicationActive) return LifecycleDecision.Refuse($"'{Instance}' is already active; detach it first to change its source.");
        if (instance.Paused) return LifecycleDecision.Refuse($"'{Instance}' is paused; resume it first.");
        if (cluster.ReplicationCredentials is null)
            return LifecycleDecision.Refuse("The cluster was registered without replicationCredentials, so no replication can be set up.");
        var source = instance.Role == InstanceRole.Master ? cluster.Standby : cluster.Master;
        if (source is null)
            return LifecycleDecision.Refuse(instance.Role == InstanceRole.Master
                ? "Activating the master sets up replication from the standby, and no standby is registered."
                : "No master is registered to replicate from.");
        return LifecycleDecision.Allow(new StartReplicatingFrom(Instance, source.Name));
    }

    public object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now)
    {
        var source = ((StartReplicatingFrom)Decide(cluster).Action!).Source;
        return new ReplicationActivated(cluster.Id, Instance, source, cluster.Find(source)!.Endpoint, outcome!.GtidExecuted, now);
    }
}
