using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>Give an instance a role. Changes only our records: no replication is set up (that is activate).</summary>
public sealed record RegisterInstance(string Instance, InstanceRole Role) : ILifecycleOperation
{
    public LifecycleDecision Decide(Cluster cluster)
    {
        if (cluster.Find(Instance) is not { } instance) return LifecycleDecision.Refuse($"The cluster has no instance '{Instance}'.");
        if (Role == InstanceRole.Unregistered) return LifecycleDecision.Refuse("Register as master, standby or replica; use unregister to remove a role.");
        if (instance.Role != InstanceRole.Unregistered)
            return LifecycleDecision.Refuse($"'{Instance}' is already registered as {instance.Role.ToString().ToLowerInvariant()}; unregister it first.");
        if (Role == InstanceRole.Master && cluster.Master is { } master)
            return LifecycleDecision.Refuse($"'{master.Name}' is already the master; a cluster has at most one.");
        if (Role == InstanceRole.Standby && cluster.Standby is { } standby)
            return LifecycleDecision.Refuse($"'{standby.Name}' is already the standby; a cluster has at most one.");
        return LifecycleDecision.Allow();
    }

    public object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now) =>
        new InstanceRegistered(cluster.Id, Instance, Role, now);
}
