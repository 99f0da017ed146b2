using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>The inverse of pause: the master becomes writable again, a standby or replica restarts its threads.</summary>
public sealed record ResumeInstance(string Instance) : ILifecycleOperation
{
    public LifecycleDecision Decide(Cluster cluster) => cluster.Find(Instance) switch
    {
        null => LifecycleDecision.Refuse($"The cluster has no instance '{Instance}'."),
        { Paused: false } => LifecycleDecision.Refuse($"'{Instance}' is not paused."),
        { Role: InstanceRole.Master } => LifecycleDecision.Allow(new SetReadOnly(Instance, false)),
        _ => LifecycleDecision.Allow(new StartReplicationThreads(Instance)),
    };

    public object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now) =>
        new InstanceResumed(cluster.Id, Instance, cluster.Find(Instance)!.Role, outcome!.GtidExecuted, now);
}
