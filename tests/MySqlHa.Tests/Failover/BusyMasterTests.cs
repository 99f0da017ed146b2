using MySqlConnector;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// No false positives: a master that is busy, not dead, keeps its role. Writers go through the proxy and an observer
/// watches every server while the master is kept busy for longer than the detector's probe timeout and confirmation
/// period together; then the writes go on, on the same master, with nothing acknowledged lost.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BusyMasterTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Longer than a probe's timeout (2 s) plus the confirmation period (1 s), several times over.</summary>
    private static readonly TimeSpan Busy = TimeSpan.FromSeconds(10);

    private FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FailoverRig.StartAsync(api);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_master_whose_cpu_is_saturated_is_not_failed_over()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        // Three times as many spinning queries as this machine has cores: mariadbd, the controller and the agents fight
        // for every core.
        using var stop = new CancellationTokenSource(Busy);
        var spinners = Enumerable.Range(0, 3 * Environment.ProcessorCount).Select(_ => SpinAsync(stop.Token)).ToList();
        var spinning = await Task.WhenAll(spinners);

        Assert.All(spinning, ran => Assert.True(ran > TimeSpan.FromSeconds(5), $"a spinning query ran only {ran.TotalSeconds:0.#} s"));
        await AssertNoFailoverAsync(load, observer);
    }

    [Fact]
    public async Task A_master_where_a_long_running_statement_holds_a_lock_is_not_failed_over()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        // The writers' own table is locked for writing while the same session runs a long statement: every write waits.
        await using (var holder = await SandboxReplication.OpenAsync(SandboxReplication.Primary))
        {
            await new MySqlCommand($"LOCK TABLES {WriteLoad.Table} WRITE", holder).ExecuteNonQueryAsync();
            var acknowledgedBefore = load.Acknowledged.Count;
            await new MySqlCommand($"SELECT SLEEP({Busy.TotalSeconds})", holder) { CommandTimeout = (int)Busy.TotalSeconds + 30 }.ExecuteScalarAsync();
            var acknowledgedWhileLocked = load.Acknowledged.Count - acknowledgedBefore;
            output.WriteLine($"acknowledged while the table was locked: {acknowledgedWhileLocked}");
            Assert.True(acknowledgedWhileLocked <= 3, $"{acknowledgedWhileLocked} writes were acknowledged while the table was locked: the lock held nothing");
            await new MySqlCommand("UNLOCK TABLES", holder).ExecuteNonQueryAsync();
        }
        await AssertNoFailoverAsync(load, observer);
    }

    /// <summary>No failover was started, db1 is still the master, and writes go on there with nothing acknowledged lost.</summary>
    private async Task AssertNoFailoverAsync(WriteLoad load, WritableObserver observer)
    {
        Assert.Equal(0, await _rig.FailoversStartedAsync());
        Assert.Equal("db1", await _rig.MasterAsync());
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, DateTimeOffset.MinValue, output);
    }

    /// <summary>One query that keeps a core of the master busy until cancelled (MySqlConnector then kills it); answers how long it ran.</summary>
    private static async Task<TimeSpan> SpinAsync(CancellationToken stop)
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxReplication.Primary);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await new MySqlCommand("SELECT BENCHMARK(1000000000000, SHA2('mysqlha', 512))", connection) { CommandTimeout = 0 }.ExecuteScalarAsync(stop);
        }
        catch (OperationCanceledException)
        {
            // Cancelled at the end of the busy period, as intended.
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.QueryInterrupted)
        {
            // Cancelled at the end of the busy period, as intended.
        }
        return watch.Elapsed;
    }
}
