using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Persistence;

/// <summary>
/// Marten's async daemon, run by the host as MySqlHa runs it (<c>AddMySqlHaPersistence</c>), against the sandbox
/// PostgreSQL: a subscription catches up on appended events, in order, and a restarted host goes on from the
/// progress it stored instead of replaying what it had already seen.
/// </summary>
public sealed class AsyncDaemonTests
{
    private const string Schema = "test_daemon";

    private sealed record Noted(Guid StreamId, int Number);

    /// <summary>Remembers every event it is given, in the order given.</summary>
    private sealed class RecordingSubscription : SubscriptionBase
    {
        public ConcurrentQueue<int> Seen { get; } = new();

        public override Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
            CancellationToken cancellationToken)
        {
            foreach (var @event in page.Events)
                if (@event.Data is Noted noted) Seen.Enqueue(noted.Number);
            return Task.FromResult(NullChangeListener.Instance);
        }
    }

    private static Task<IHost> StartAsync(RecordingSubscription subscription) =>
        WorkflowHost.StartAsync(Schema, services: services => services.ConfigureMarten(options => options.Events.Subscribe(subscription)));

    private static async Task AppendAsync(IHost host, Guid stream, params int[] numbers)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(stream, numbers.Select(number => (object)new Noted(stream, number)).ToArray());
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task A_subscription_catches_up_on_appended_events_in_order_and_resumes_after_a_restart_without_replaying()
    {
        await ApiProcess.DropSchemaAsync(Schema);
        var stream = Guid.CreateVersion7();

        var first = new RecordingSubscription();
        using (var host = await StartAsync(first))
        {
            await AppendAsync(host, stream, 1, 2, 3);
            await WaitUntilAsync(() => first.Seen.Count >= 3, "the daemon never handed the subscription the first three events");
            await host.StopAsync();
        }
        Assert.Equal([1, 2, 3], first.Seen);

        var second = new RecordingSubscription();
        using (var host = await StartAsync(second))
        {
            await AppendAsync(host, stream, 4, 5);
            await WaitUntilAsync(() => second.Seen.Count >= 2, "the restarted daemon never handed the subscription the new events");
            // A moment more, so that a replay of the first three would have shown.
            await Task.Delay(TimeSpan.FromSeconds(1));
            await host.StopAsync();
        }
        Assert.Equal([4, 5], second.Seen);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(failure);
            await Task.Delay(100);
        }
    }
}
