using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Persistence;
using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Tests.Webhooks;

/// <summary>The Api and the deliverer change one subscription side by side: neither change may be lost.</summary>
public sealed class WebhookSubscriptionsTests
{
    private const string Schema = "test_webhook_subscriptions";

    [Fact]
    public async Task Changes_made_at_once_are_all_kept()
    {
        await ApiProcess.DropSchemaAsync(Schema);
        using var host = await WorkflowHost.StartAsync(Schema);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var subscription = new WebhookSubscription(Guid.CreateVersion7(), "http://127.0.0.1:9/hook", ["*"], null, "secret", 0, DateTimeOffset.UtcNow);
        await using (var session = store.LightweightSession())
        {
            session.Store(subscription);
            await session.SaveChangesAsync();
        }
        var subscriptions = new WebhookSubscriptions(store);
        using var start = new Barrier(4);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return subscriptions.UpdateAsync(subscription.Id, current => current with { ConsecutiveFailures = current.ConsecutiveFailures + 1 }, default);
        })));

        await using var read = store.QuerySession();
        Assert.Equal(4, (await read.LoadAsync<WebhookSubscription>(subscription.Id))!.ConsecutiveFailures);
        await host.StopAsync();
    }
}
