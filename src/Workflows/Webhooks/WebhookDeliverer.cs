using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Election;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>
/// Sends the queued deliveries while this process leads (one sender, so that order holds with several Api processes).
/// For each subscription that is not paused, only the oldest pending delivery of each cluster may go, once its retry
/// time has come: a failing delivery holds the later ones of its subscription and cluster until it succeeds or the
/// subscription is paused (and after resumption it goes first). Subscriptions are served side by side, so a slow
/// receiver delays only its own deliveries.
/// </summary>
public sealed partial class WebhookDeliverer(
    IDocumentStore store,
    WebhookSubscriptions subscriptions,
    WebhookSender sender,
    WebhookOptions options,
    LeaderElection election,
    TimeProvider clock,
    ILogger<WebhookDeliverer> logger) : BackgroundService
{
    /// <summary>How many pending deliveries of one subscription are read per round; the oldest of each cluster among them go.</summary>
    private const int PendingPerRound = 500;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var progressed = false;
            try
            {
                if (election.IsLeader) progressed = await DeliverDueAsync(stopping);
            }
            catch (Exception failure) when (!stopping.IsCancellationRequested)
            {
                LogRoundFailed(failure);
            }
            // Straight on after a delivery, so that a backlog drains at the receivers' pace rather than one per poll.
            if (!progressed)
            {
                try
                {
                    await Task.Delay(options.PollInterval, clock, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<bool> DeliverDueAsync(CancellationToken stopping)
    {
        await using var session = store.QuerySession();
        var active = await session.Query<WebhookSubscription>().Where(s => s.PausedAt == null).ToListAsync(stopping);
        var delivered = await Task.WhenAll(active.Select(subscription => DeliverNextOfEachClusterAsync(subscription, stopping)));
        return delivered.Any(any => any);
    }

    private async Task<bool> DeliverNextOfEachClusterAsync(WebhookSubscription subscription, CancellationToken stopping)
    {
        await using var session = store.QuerySession();
        var pending = await session.Query<WebhookDelivery>()
            .Where(d => d.SubscriptionId == subscription.Id && d.Status == WebhookDeliveryStatus.Pending)
            .OrderBy(d => d.Sequence).Take(PendingPerRound).ToListAsync(stopping);
        var now = clock.GetUtcNow();
        var delivered = false;
        foreach (var next in pending.GroupBy(d => d.OrderingKey).Select(cluster => cluster.First()).Where(d => d.NextAttemptAt <= now))
        {
            var attempt = await sender.SendAsync(next, subscription, stopping);
            WebhookDelivery? recorded = null;
            var updated = await subscriptions.UpdateAsync(subscription.Id, current =>
            {
                (recorded, var changed) = WebhookRetryPolicy.Apply(next, current, attempt, options);
                return changed;
            }, stopping, also => also.Store(recorded!));
            if (updated is null) return delivered;
            if (attempt.Delivered) delivered = true;
            else LogAttemptFailed(subscription.Id, next.Id, next.Attempts + 1, attempt.Error);
            if (updated.PausedAt == attempt.At)
            {
                WebhookMetrics.Paused.Inc();
                LogPaused(subscription.Id, updated.PausedReason);
            }
            if (updated.Paused) return delivered;
            subscription = updated;
        }
        return delivered;
    }
}
