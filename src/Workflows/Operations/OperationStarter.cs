using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Workflows.Actors;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Operations;

/// <summary>Takes a cluster for one operation at a time and starts the operation's saga; never leaves the cluster held by a saga that did not start.</summary>
public sealed class OperationStarter(ClusterStream clusters, IServiceScopeFactory scopes, TimeProvider clock)
{
    /// <summary>
    /// Takes the cluster when no operation holds it and <paramref name="mayStart"/> holds on its freshest record, then
    /// invokes the message <paramref name="start"/> makes for the new operation's id. The saga enforces
    /// <paramref name="deadline"/> itself; the failure detector raises an alert about an operation still holding the
    /// cluster past it. Answers whether it started, and the operation that holds the cluster.
    /// </summary>
    public async Task<(bool Started, Guid? Operation)> StartAsync(Guid clusterId, string kind, Func<Cluster, bool> mayStart, TimeSpan deadline,
        Func<Guid, object> start, CancellationToken cancellation)
    {
        var operationId = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        var taken = await clusters.AppendAsync(clusterId, c => c.RunningOperation is null && mayStart(c)
            ? new OperationStarted(clusterId, operationId, kind, now, now + deadline) : null, cancellation);
        if (taken?.RunningOperation != operationId) return (false, taken?.RunningOperation);
        try
        {
            // Invoked inline: the saga and its audit stream exist before anyone is told the operation started.
            await using var scope = scopes.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageContext>();
            // Every step the saga sends carries the caller, and records it on the operation's events.
            bus.UserName = CurrentActor.Name;
            await bus.InvokeAsync(start(operationId), cancellation);
        }
        catch
        {
            // No saga will ever end the operation: the cluster is released, so that the next round (or an operator) can try again.
            await clusters.AppendAsync(clusterId, c => c.RunningOperation == operationId
                ? new OperationEnded(clusterId, operationId, "not started", clock.GetUtcNow()) : null, CancellationToken.None);
            throw;
        }
        return (true, operationId);
    }
}
