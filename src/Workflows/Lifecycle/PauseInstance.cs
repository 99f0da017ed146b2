using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>Stop an instance serving: the master becomes read-only, a standby or replica stops its threads.</summary>
public sealed record PauseInstance(string Instance) : ILifecycleOperation
{
    public LifecycleDecision Decide(Cluster cluster) => cluster.Find(Instance) switch
    {
        null => LifecycleDecision.Refuse($"The cluster has no instance '{Instance}'."),
        { Role: InstanceRole.Unregistered } => LifecycleDecision.Refuse($"'{Instance}' is not registered."),
        { Paused: true } => LifecycleDecision.Refuse($"'{Instance}' is already paused."),
        { Role: InstanceRole.Master } => LifecycleDecision.Allow(new SetReadOnly(Instance, true)),
        { ReplicationActive: false } => LifecycleDecision.Refuse($"'{Instance}' is detached; there is no replication to pause."),
        _ => LifecycleDecision.Allow(new StopReplication(Instance, ForgetSource: false)),
    };

    public object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now) =>
        new InstancePaused(cluster.Id, Instance, cluster.Find(Instance)!.Role, outcome!.GtidExecuted, outcome.BinlogFile, outcome.BinlogPosition, now);
}
