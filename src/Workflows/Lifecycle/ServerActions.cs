using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>What the agent did with an action: the server's position as it left it, or why it was not done.</summary>
public sealed record ServerActionResult(CommandOutcome? Outcome, string? Failure)
{
    public static ServerActionResult From<TDetail>(AgentAnswer<TDetail> answer) where TDetail : class =>
        answer.Succeeded ? new(answer.Outcome, null) : new(null, answer.Failure ?? "the agent did not say why");
}

/// <summary>
/// Carries out a decided <see cref="ServerAction"/> through the instance's agent, under this controller's fencing
/// token (nothing is sent while this process does not lead). The command id names the action on the instance as our
/// records stood when it was decided (see <see cref="CommandId"/>), so the agent's journal answers a retry of the same
/// call without running it again.
/// </summary>
public sealed class ServerActions(AgentClient agents)
{
    /// <summary>False when no agent token is configured: no action can be carried out.</summary>
    public bool Available => agents.Configured;

    public async Task<ServerActionResult> ExecuteAsync(Cluster cluster, ServerAction action, CancellationToken cancellation)
    {
        var (name, instance, id) = (cluster.Name, action.Instance, CommandId(cluster, action));
        // A mutual pair's master replicates from its standby: MoHA's master-only commands are told so.
        var mutual = cluster.Find(instance)!.ReplicationActive;
        return action switch
        {
            StartReplicatingFrom start => ServerActionResult.From(
                await agents.ChangeMasterAsync(name, instance, id, cluster.Find(start.Source)!.Endpoint, cancellation)),
            StopReplication stop => ServerActionResult.From(await agents.StopReplicationAsync(name, instance, id, stop.ForgetSource, cancellation)),
            StartReplicationThreads => ServerActionResult.From(await agents.StartReplicationAsync(name, instance, id, cancellation)),
            SetReadOnly { ReadOnly: true } => ServerActionResult.From(await agents.SetReadOnlyAsync(name, instance, id, mutual, cancellation)),
            SetReadOnly => ServerActionResult.From(await agents.SetReadWriteAsync(name, instance, id, mutual, cancellation)),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
    }

    /// <summary>
    /// The cluster, the instance, the cluster version of the last operation recorded on the instance, and the action
    /// with its parameters. A retry of the same call, before anything new is recorded on the instance, finds the same
    /// id (the monitor's status events do not move that version); once the operation is recorded the version moves, so
    /// a later call (pause, resume, pause again) is a new command; and a different action decided on the same record
    /// (a pause of what became a master, an activation from a new master) has another id.
    /// </summary>
    public static string CommandId(Cluster cluster, ServerAction action)
    {
        var what = action switch
        {
            StartReplicatingFrom start => $"change-master:{start.Source}",
            StopReplication { ForgetSource: true } => "detach",
            StopReplication => "stop-replication",
            StartReplicationThreads => "start-replication",
            SetReadOnly { ReadOnly: true } => "set-read-only",
            SetReadOnly => "set-read-write",
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
        return $"{cluster.Id}:{action.Instance}@{cluster.Find(action.Instance)!.ChangedAtVersion}:{what}";
    }
}
