using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>Remove an instance's role. Changes only our records: replication on the server is left as it is.</summary>
public sealed record UnregisterInstance(string Instance) : ILifecycleOperation
{
    public LifecycleDecision Decide(Cluster cluster) => cluster.Find(Instance) switch
    {
        null => LifecycleDecision.Refuse($"The cluster has no instance '{Instance}'."),
        { Role: InstanceRole.Unregistered } => LifecycleDecision.Refuse($"'{Instance}' is not registered."),
        _ => LifecycleDecision.Allow(),
    };

    public object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now) =>
        new InstanceUnregistered(cluster.Id, Instance, cluster.Find(Instance)!.Role, now);
}
