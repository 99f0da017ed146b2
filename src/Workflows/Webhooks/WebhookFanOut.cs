using System.Collections.Concurrent;
using System.Reflection;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>
/// Run by Marten's async daemon over every event, in sequence order: queues a <see cref="WebhookDelivery"/> for each
/// subscription the event matches. The deliveries are written in the same transaction as the daemon's progress, so an
/// event is queued exactly once whatever restarts, and nothing here waits on a receiver: a saga that appends events
/// never waits for, or fails with, a webhook.
/// </summary>
public sealed class WebhookFanOut(TimeProvider clock) : SubscriptionBase
{
    private readonly ConcurrentDictionary<Type, PropertyInfo?> _clusterIdProperties = new();

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        CancellationToken cancellationToken)
    {
        var subscriptions = await operations.Query<WebhookSubscription>().ToListAsync(cancellationToken);
        var operationClusters = new Dictionary<Guid, Guid>();
        var now = clock.GetUtcNow();
        foreach (var @event in page.Events)
        {
            var clusterId = await ClusterOfAsync(@event, operationClusters, operations, cancellationToken);
            var type = WebhookPayload.TypeName(@event);
            var body = new Lazy<string>(() => WebhookPayload.Of(@event, clusterId).ToJson());
            foreach (var subscription in subscriptions.Where(s => @event.Sequence > s.StartsAfterSequence && s.Matches(type, clusterId)))
                operations.Store(new WebhookDelivery(Guid.CreateVersion7(), subscription.Id, @event.Id, type, @event.Sequence, clusterId, body.Value, now));
        }
        return NullChangeListener.Instance;
    }

    /// <summary>
    /// Cluster-stream events and the first event of an operation's stream name their cluster (a ClusterId); an
    /// operation's later events do not, so the first one's cluster is remembered for its stream.
    /// </summary>
    private async Task<Guid> ClusterOfAsync(IEvent @event, Dictionary<Guid, Guid> operationClusters, IDocumentOperations operations,
        CancellationToken cancellation)
    {
        var property = _clusterIdProperties.GetOrAdd(@event.Data.GetType(), type => type.GetProperty("ClusterId") is { } p && p.PropertyType == typeof(Guid) ? p : null);
        if (property?.GetValue(@event.Data) is Guid named)
        {
            if (named != @event.StreamId && operationClusters.TryAdd(@event.StreamId, named))
                operations.Store(new OperationCluster(@event.StreamId, named));
            return named;
        }
        if (operationClusters.TryGetValue(@event.StreamId, out var known)) return known;
        var stored = await operations.LoadAsync<OperationCluster>(@event.StreamId, cancellation);
        var clusterId = stored?.ClusterId ?? @event.StreamId;
        operationClusters[@event.StreamId] = clusterId;
        return clusterId;
    }
}

/// <summary>The cluster an operation's stream belongs to, remembered by <see cref="WebhookFanOut"/>.</summary>
public sealed record OperationCluster(Guid Id, Guid ClusterId);
