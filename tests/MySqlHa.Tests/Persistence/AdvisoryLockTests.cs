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
/// Leadership among Wolverine nodes and Marten's async daemon rests on PostgreSQL advisory locks taken through
/// DistributedLock.Postgres, which we substitute (build/local-packages). These tests say what works with the
/// substitute on PostgreSQL 15 and Npgsql 10, and pin what does not.
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
    /// DistributedLock.Postgres 1.3.1 refuses Weasel's data-source constructor ("Multiplexing is current incompatible
    /// with DbDataSource"); the real Patched.DistributedLock.Postgres 1.3.3 accepts it. Marten's async daemon takes this
    /// path, which is one more reason MySqlHa registers inline projections only. When the registry serves
    /// Patched.DistributedLock.Core and the substitute goes, this test fails: turn it into a test that the lock works.
    /// </summary>
    [Fact]
    public async Task Weasel_advisory_lock_over_a_data_source_is_refused_by_the_substitute_package()
    {
        await using var dataSource = NpgsqlDataSource.Create(SandboxSettings.Current.Postgres);
        await using var advisoryLock = new AdvisoryLock(dataSource, NullLogger.Instance, "mysqlha", new AdvisoryLockOptions());

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => advisoryLock.TryAttainLockAsync(7_340_001, default));

        Assert.Contains("Multiplexing", refused.Message);
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
