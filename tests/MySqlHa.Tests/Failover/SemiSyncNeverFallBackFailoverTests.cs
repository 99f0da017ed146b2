using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.SemiSync;
using Xunit.Abstractions;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// Semi-sync configured never to fall back, and a failover that leaves the new master no replica to acknowledge:
/// its commits must not wait for ever. The switch gives it a bounded timeout, records why, and asks for attention.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SemiSyncNeverFallBackFailoverTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FailoverRig.StartAsync(api);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private async Task<JsonNode> WaitForSemiSyncViewAsync(Func<JsonNode, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        JsonNode view;
        while (!condition(view = (await _rig.ClusterAsync())["semiSync"]!))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} within {Limit}; semiSync: {view.ToJsonString()}");
            await Task.Delay(100);
        }
        return view;
    }

    [Fact]
    public async Task A_failover_that_leaves_no_acknowledging_replica_bounds_the_new_masters_wait_records_it_and_asks_for_attention()
    {
        await _rig.EnableSemiSyncAsync();
        SandboxReplication.StopServer(3);
        await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db3", "ERROR");

        SandboxReplication.StopServer(1);
        var failover = await _rig.WaitForFailoverAsync(FailoverRig.FailoverLimit);

        output.WriteLine(failover.ToJsonString());
        Assert.Equal("needsAttention", (string?)failover["state"]);
        var completed = Step(failover, nameof(FailoverCompleted));
        Assert.Equal("db2", (string?)completed["newMaster"]);
        var attention = completed["needsAttention"]!.AsArray().Select(l => (string)l!).ToList();
        Assert.Contains(attention, l => l.StartsWith("semi-sync on db2 falls back to asynchronous after 10000 ms instead of never", StringComparison.Ordinal)
                                        && l.Contains("db3 unreachable"));
        var forced = Assert.Single((await _rig.ClusterEventsAsync()).OfType<SemiSyncFallbackForced>());
        Assert.Equal(("db2", Guid.Parse((string)failover["id"]!), 10_000L), (forced.Instance, forced.OperationId!.Value, forced.TimeoutMilliseconds));
        var newMaster = FailoverRig.Server("db2");
        Assert.Equal(10_000, await SandboxReplication.ScalarAsync<long>(newMaster, "SELECT @@rpl_semi_sync_master_timeout"));
        Assert.Equal(1, await SandboxReplication.ScalarAsync<long>(newMaster, "SELECT @@rpl_semi_sync_master_enabled"));
        var view = (await _rig.ClusterAsync())["semiSync"]!;
        Assert.Equal("db2", (string?)view["fallbackForced"]!["instance"]);
        Assert.False((bool)view["fallsBack"]!);

        // A write on the new master with nobody to acknowledge it returns (after the bounded wait), and the fallback is recorded.
        await using (var connection = await SandboxReplication.OpenAsync(newMaster))
        {
            var began = DateTime.UtcNow;
            await new MySqlConnector.MySqlCommand(
                    "CREATE DATABASE IF NOT EXISTS semisync_test; CREATE TABLE IF NOT EXISTS semisync_test.marks (id INT AUTO_INCREMENT PRIMARY KEY); " +
                    "INSERT INTO semisync_test.marks VALUES ()", connection) { CommandTimeout = 0 }
                .ExecuteNonQueryAsync().WaitAsync(Limit);
            output.WriteLine($"the first write on db2 took {(DateTime.UtcNow - began).TotalSeconds:0.0} s");
        }
        Assert.Equal("OFF", await SemiSync.SemiSyncTests.StatusAsync(newMaster, "Rpl_semi_sync_master_status"));
        var fallenBack = await WaitForSemiSyncViewAsync(v => (bool)v["fallenBack"]!, "the new master's fallback was not recorded");
        Assert.Equal("db2", (string?)fallenBack["fallenBackOn"]);

        // The operator configures never falling back again once a replica is back: the forced fallback ends.
        SandboxReplication.StartServer(3);
        var again = await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/semi-sync", new { enabled = true, neverFallBack = true });
        Assert.True(again.IsSuccessStatusCode, await again.Content.ReadAsStringAsync());
        view = (await _rig.ClusterAsync())["semiSync"]!;
        Assert.Null(view["fallbackForced"]);
        Assert.Equal(uint.MaxValue, await SandboxReplication.ScalarAsync<ulong>(newMaster, "SELECT @@rpl_semi_sync_master_timeout"));
    }
}
