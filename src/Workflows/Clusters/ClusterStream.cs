using MySqlHa.Workflows.Actors;
using JasperFx;
using Marten;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// Appends to a cluster's stream at once (not in a handler's transaction), after a decision made on the freshest
/// record, so that what proxies and other writers see changes when the step that changed it says so. The decision
/// returns null when there is nothing to append (a replayed step finding its change already made).
/// </summary>
public sealed class ClusterStream(IDocumentStore store, ClusterWriteGate gate)
{
    public async Task<Cluster?> AppendAsync(Guid clusterId, Func<Cluster, object?> decide, CancellationToken cancellation)
    {
        using var _ = await gate.EnterAsync(clusterId, cancellation);
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.ActorSession();
            var cluster = await session.LoadAsync<Cluster>(clusterId, cancellation);
            if (cluster is null) return null;
            if (decide(cluster) is not { } change) return cluster;
            session.Events.Append(clusterId, cluster.Version + 1, change);
            try
            {
                await session.SaveChangesAsync(cancellation);
                // What the inline projection stored with the event, without a read on a step's critical path.
                return ClusterEvolution.After(cluster, change);
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // Another process appended meanwhile; decide again on its record.
            }
        }
    }
}
