using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlHa.Tests.Sandbox;
using Npgsql;
using Weasel.Postgresql;
using Wolverine;
using Wolverine.Runtime;

namespace MySqlHa.Tests.Persistence;

/// <summary>
/// Leadership among Wolverine nodes and Marten's async daemon (HotCold) rest on PostgreSQL advisory locks taken
/// through Patched.DistributedLock.Postgres; these tests prove both paths on PostgreSQL 15 and Npgsql 10.
/// </summary>
public sealed class AdvisoryLockTests
{
    private const string Schema = "test_leadership";

    private static Task<IHost> StartBalancedNodeAsync() => WorkflowHost.StartAsync(Schema, options =>
    {
        options.Durability.Mode = DurabilityMode.Balanced;
        options.Durability.FirstHealthCheckExecution = TimeSpan.FromMilliseconds(200);
        options.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(1);
    });

    private static bool IsLeader(IHost host) =>
        ((WolverineRuntime)host.Services.GetRequiredService<IWolverineRuntime>()).NodeController!.IsLeader;

    [Fact]
    public async Task Wolverine_leadership_is_held_by_one_node_through_an_advisory_lock_and_passes_on_when_it_stops()
    {
        var first = await StartBalancedNodeAsync();
        await WaitUntilAsync(() => IsLeader(first), TimeSpan.FromSeconds(20), "the first node never became leader");
        Assert.True(await GrantedAdvisoryLocksAsync() >= 1);

        using var second = await StartBalancedNodeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(IsLeader(first));
        Assert.False(IsLeader(second));

        await first.StopAsync();
        first.Dispose();

        await WaitUntilAsync(() => IsLeader(second), TimeSpan.FromSeconds(30), "leadership did not pass to the second node");
        await second.StopAsync();
    }

    /// <summary>
    /// Weasel's advisory lock over a data source, the path Marten's async daemon takes in HotCold mode. The substitute
    /// package we used before the registry served Patched.DistributedLock.Core refused it ("Multiplexing is current
    /// incompatible with DbDataSource").
    /// </summary>
    [Fact]
    public async Task Weasel_advisory_lock_over_a_data_source_is_attained_and_held_against_a_second_holder()
    {
        await using var dataSource = NpgsqlDataSource.Create(SandboxSettings.Current.Postgres);
        await using var first = new AdvisoryLock(dataSource, NullLogger.Instance, "mysqlha", new AdvisoryLockOptions());
        await using var second = new AdvisoryLock(dataSource, NullLogger.Instance, "mysqlha", new AdvisoryLockOptions());

        Assert.True(await first.TryAttainLockAsync(7_340_001, default));
        Assert.False(await second.TryAttainLockAsync(7_340_001, default));

        await first.ReleaseLockAsync(7_340_001);
        Assert.True(await second.TryAttainLockAsync(7_340_001, default));
    }

    private static async Task<long> GrantedAdvisoryLocksAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(SandboxSettings.Current.Postgres);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, string failure)
    {
        var started = DateTime.UtcNow;
        while (!condition())
        {
            if (DateTime.UtcNow - started > limit) throw new TimeoutException(failure);
            await Task.Delay(200);
        }
    }
}
