using MySqlHa.Workflows.Actors;
using JasperFx;
using Marten;
using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

public abstract record LifecycleResult
{
    public sealed record NotFound : LifecycleResult;

    public sealed record Refused(string Reason) : LifecycleResult;

    /// <summary>The instance's agent refused the action or could not be reached; nothing was recorded.</summary>
    public sealed record AgentFailed(string Reason) : LifecycleResult;

    /// <summary>The action needs the agents and this process cannot command them (no agent token configured).</summary>
    public sealed record AgentsUnavailable(string Reason) : LifecycleResult;

    public sealed record Done(Cluster Cluster, object Event) : LifecycleResult;
}

/// <summary>
/// Runs one lifecycle operation: decide on our records, act on the server through its agent, record the event with
/// the position the agent reported. A refusal or a failed action records nothing.
/// </summary>
public sealed class LifecycleRunner(IDocumentStore store, ServerActions actions, ClusterWriteGate gate, TimeProvider clock)
{
    private const int AppendAttempts = 3;

    public async Task<LifecycleResult> RunAsync(Guid clusterId, ILifecycleOperation operation, CancellationToken cancellation)
    {
        using var _ = await gate.EnterAsync(clusterId, cancellation);
        var cluster = await LoadAsync(clusterId, cancellation);
        if (cluster is null) return new LifecycleResult.NotFound();
        var decision = operation.Decide(cluster);
        if (decision.Refusal is { } refusal) return new LifecycleResult.Refused(refusal);

        CommandOutcome? outcome = null;
        if (decision.Action is { } action)
        {
            if (!actions.Available)
                return new LifecycleResult.AgentsUnavailable(AgentClient.NotConfiguredReason);
            var done = await actions.ExecuteAsync(cluster, action, cancellation);
            if (done.Outcome is null) return new LifecycleResult.AgentFailed(done.Failure!);
            outcome = done.Outcome;
        }

        // Another process may have appended meanwhile: re-decide on the fresh record before each attempt.
        for (var attempt = 1; ; attempt++)
        {
            var recorded = operation.Recorded(cluster, outcome, clock.GetUtcNow());
            try
            {
                await using var session = store.ActorSession();
                session.Events.Append(clusterId, cluster.Version + 1, recorded);
                await session.SaveChangesAsync(cancellation);
                return new LifecycleResult.Done((await LoadAsync(clusterId, cancellation))!, recorded);
            }
            catch (ConcurrencyException) when (attempt < AppendAttempts)
            {
                cluster = (await LoadAsync(clusterId, cancellation))!;
                if (operation.Decide(cluster).Refusal is { } late)
                    return new LifecycleResult.Refused($"{late} (another change to the cluster was recorded meanwhile)");
            }
        }
    }

    private async Task<Cluster?> LoadAsync(Guid clusterId, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Cluster>(clusterId, cancellation);
    }
}
