using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>Stop replication and forget the source; the data stays.</summary>
public sealed record DetachReplication(string Instance) : ILifecycleOperation
{
    public LifecycleDecision Decide(Cluster cluster) => cluster.Find(Instance) switch
    {
        null => LifecycleDecision.Refuse($"The cluster has no instance '{Instance}'."),
        { ReplicationActive: false } => LifecycleDecision.Refuse($"'{Instance}' is not active; there is nothing to detach."),
        _ => LifecycleDecision.Allow(new StopReplication(Instance, ForgetSource: true)),
    };

    public object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now) =>
        new ReplicationDetached(cluster.Id, Instance, outcome!.GtidExecuted, now);
}
