using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;

namespace MySqlHa.Tests.Persistence;

public sealed class SagaDurabilityTests
{
    private const string Schema = "test_sagas";

    private static Task<IHost> StartHostAsync() =>
        WorkflowHost.StartAsync(Schema, options => options.Discovery.IncludeAssembly(typeof(Countdown).Assembly));

    [Fact]
    public async Task Saga_state_survives_a_host_restart_and_a_message_scheduled_before_the_stop_is_delivered_after_it()
    {
        var id = Guid.NewGuid();
        var first = await StartHostAsync();
        await first.Services.GetRequiredService<IDocumentStore>().Advanced.ResetAllData();
        var bus = first.Services.GetRequiredService<IMessageBus>();
        await bus.InvokeAsync(new StartCountdown(id, 3));
        await bus.InvokeAsync(new Tick(id, "first host"));
        // Scheduled into PostgreSQL, due after this host is gone: only durable storage can deliver it.
        await bus.ScheduleAsync(new Tick(id, "scheduled by the first host"), TimeSpan.FromSeconds(2));
        await first.StopAsync();
        first.Dispose();

        using var second = await StartHostAsync();
        var store = second.Services.GetRequiredService<IDocumentStore>();
        var resumed = await WaitForAsync(store, id, saga => saga?.Remaining == 1, TimeSpan.FromSeconds(30));
        Assert.Equal(["first host", "scheduled by the first host"], resumed!.TickedBy);

        await second.Services.GetRequiredService<IMessageBus>().InvokeAsync(new Tick(id, "second host"));

        await using var session = store.QuerySession();
        Assert.Null(await session.LoadAsync<Countdown>(id));
        await second.StopAsync();
    }

    private static async Task<Countdown?> WaitForAsync(IDocumentStore store, Guid id, Func<Countdown?, bool> condition, TimeSpan limit)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            await using var session = store.QuerySession();
            var saga = await session.LoadAsync<Countdown>(id);
            if (condition(saga)) return saga;
            if (DateTime.UtcNow - started > limit)
                throw new TimeoutException($"saga {id} did not reach the expected state within {limit}; it is {System.Text.Json.JsonSerializer.Serialize(saga)}");
            await Task.Delay(200);
        }
    }
}
