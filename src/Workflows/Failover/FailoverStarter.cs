using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Failover;

/// <summary>Takes the cluster for a failover (one operation at a time) and starts the saga; answers the operation that holds it.</summary>
public sealed class FailoverStarter(ClusterStream clusters, IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task<(bool Started, Guid? Operation)> StartAsync(Cluster cluster, string trigger, string? candidate, IReadOnlyList<string> evidence,
        DateTimeOffset? lastSeenAlive, DateTimeOffset? lostSince, CancellationToken cancellation)
    {
        var operationId = Guid.CreateVersion7();
        var master = cluster.Master?.Name;
        var taken = await clusters.AppendAsync(cluster.Id, c => c.RunningOperation is null && c.Master?.Name == master
            ? new OperationStarted(cluster.Id, operationId, "failover", clock.GetUtcNow()) : null, cancellation);
        if (taken?.RunningOperation != operationId) return (false, taken?.RunningOperation);
        try
        {
            // Invoked inline: the saga and its audit stream exist before anyone is told the operation started.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(
                new StartFailover(operationId, cluster.Id, cluster.Name, trigger, candidate, evidence, lastSeenAlive, lostSince), cancellation);
        }
        catch
        {
            // No saga will ever end the operation: release the cluster so that the next round (or an operator) can try again.
            await clusters.AppendAsync(cluster.Id, c => c.RunningOperation == operationId
                ? new OperationEnded(cluster.Id, operationId, "not started", clock.GetUtcNow()) : null, CancellationToken.None);
            throw;
        }
        return (true, operationId);
    }
}
