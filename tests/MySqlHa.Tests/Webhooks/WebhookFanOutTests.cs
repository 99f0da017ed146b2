using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Persistence;
using MySqlHa.Workflows.Switchover;
using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Tests.Webhooks;

/// <summary>
/// The daemon's fan-out on the sandbox PostgreSQL: an operation's events are queued under their cluster (only the
/// operation's first event names it), so a cluster filter and the per-cluster order cover operations too.
/// </summary>
public sealed class WebhookFanOutTests
{
    private const string Schema = "test_webhook_fanout";

    [Fact]
    public async Task An_operations_later_events_are_queued_under_the_cluster_its_first_event_named_even_in_a_later_page()
    {
        await ApiProcess.DropSchemaAsync(Schema);
        using var host = await WorkflowHost.StartAsync(Schema);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var (cluster, operation, otherOperation) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        var subscription = new WebhookSubscription(Guid.CreateVersion7(), "http://127.0.0.1:9/hook", ["Switchover*"], cluster, "secret",
            await store.Storage.Database.FetchHighestEventSequenceNumber(), DateTimeOffset.UtcNow);
        await using (var session = store.LightweightSession())
        {
            session.Store(subscription);
            session.Events.StartStream(operation, new SwitchoverRequested(operation, cluster, "hooked", null, false, TimeSpan.FromSeconds(30), DateTimeOffset.UtcNow));
            session.Events.StartStream(otherOperation, new SwitchoverRequested(otherOperation, Guid.CreateVersion7(), "other", null, false, TimeSpan.FromSeconds(30), DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }
        await WaitForDeliveriesAsync(store, subscription.Id, 1);

        // Appended once the first page was processed: the fan-out must find the operation's cluster in what it stored.
        await using (var session = store.LightweightSession())
        {
            session.Events.Append(operation, new SwitchoverTrafficHeld(operation, 7, DateTimeOffset.UtcNow));
            session.Events.Append(otherOperation, new SwitchoverTrafficHeld(otherOperation, 8, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }
        var deliveries = await WaitForDeliveriesAsync(store, subscription.Id, 2);

        Assert.Equal(["SwitchoverRequested", "SwitchoverTrafficHeld"], deliveries.Select(d => d.EventType));
        Assert.All(deliveries, d => Assert.Equal(cluster, d.OrderingKey));
        var held = JsonNode.Parse(deliveries[1].Body)!;
        Assert.Equal(cluster.ToString(), (string)held["clusterId"]!);
        Assert.Equal(operation.ToString(), (string)held["streamId"]!);
        Assert.Equal(7, (long)held["data"]!["topologyVersion"]!);
        await host.StopAsync();
    }

    /// <summary>Once <paramref name="count"/> are queued, a moment more, so that one too many (another cluster's) would show.</summary>
    private static async Task<IReadOnlyList<WebhookDelivery>> WaitForDeliveriesAsync(IDocumentStore store, Guid subscription, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await QueuedAsync(store, subscription) is { Count: var queued } && queued < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queued} deliveries queued, not {count}");
            await Task.Delay(100);
        }
        await Task.Delay(500);
        return await QueuedAsync(store, subscription);
    }

    private static async Task<IReadOnlyList<WebhookDelivery>> QueuedAsync(IDocumentStore store, Guid subscription)
    {
        await using var session = store.QuerySession();
        return await session.Query<WebhookDelivery>().Where(d => d.SubscriptionId == subscription).OrderBy(d => d.Sequence).ToListAsync();
    }
}
