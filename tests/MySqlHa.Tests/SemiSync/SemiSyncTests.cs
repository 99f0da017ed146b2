using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.SemiSync;

/// <summary>Semi-synchronous replication switched on and off through the Api, checked on the real servers.</summary>
[Collection(ApiCollection.Name)]
public sealed class SemiSyncTests(ApiFactory api) : IAsyncLifetime
{
    private ClusterClient _client = null!;
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
        _client = new ClusterClient(api.CreateClient());
        _cluster = await _client.RegisterSandboxClusterAsync("semisync");
        await api.AgentsForAsync("semisync");
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
    }

    public Task DisposeAsync()
    {
        SandboxReplication.Reset();
        return Task.CompletedTask;
    }

    private Task<HttpResponseMessage> ConfigureAsync(object body) =>
        _client.Http.PutAsJsonAsync($"/api/clusters/{_cluster}/semi-sync", body);

    internal static async Task<string> StatusAsync(ServerEndpoint server, string name)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlConnector.MySqlCommand($"SHOW GLOBAL STATUS LIKE '{name}'", connection).ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(1);
    }

    [Fact]
    public async Task Semi_sync_with_after_sync_and_no_fallback_makes_the_master_wait_for_the_replicas_acknowledgements()
    {
        var response = await ConfigureAsync(new { enabled = true, neverFallBack = true });

        await response.AssertStatusAsync(HttpStatusCode.OK);
        var recorded = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(3, recorded["appliedOn"]!.AsObject().Count);
        Assert.False((bool)recorded["fallsBackToAsync"]!);
        Assert.Equal(1, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_enabled"));
        Assert.Equal("AFTER_SYNC", await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_wait_point"));
        Assert.Equal(uint.MaxValue, await SandboxReplication.ScalarAsync<ulong>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_timeout"));
        foreach (var replica in SandboxReplication.Replicas)
        {
            // A replica acknowledges; were it to wait as a master too, its applier would wait for acknowledgements of what it replays.
            Assert.Equal(1, await SandboxReplication.ScalarAsync<long>(replica, "SELECT @@rpl_semi_sync_slave_enabled"));
            Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(replica, "SELECT @@rpl_semi_sync_master_enabled"));
        }

        // The replicas' receivers were restarted to take the setting up: both acknowledge, and a commit waits for one.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (long.Parse(await StatusAsync(SandboxReplication.Primary, "Rpl_semi_sync_master_clients")) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the replicas did not connect as semi-sync clients within 10 s");
            await Task.Delay(100);
        }
        var acknowledgedBefore = long.Parse(await StatusAsync(SandboxReplication.Primary, "Rpl_semi_sync_master_yes_tx"));
        await SandboxReplication.WriteAndReplicateAsync();
        Assert.True(long.Parse(await StatusAsync(SandboxReplication.Primary, "Rpl_semi_sync_master_yes_tx")) > acknowledgedBefore);
        Assert.Equal("ON", await StatusAsync(SandboxReplication.Primary, "Rpl_semi_sync_master_status"));
        var cluster = JsonNode.Parse(await _client.Http.GetStringAsync($"/api/clusters/{_cluster}"))!;
        Assert.True((bool)cluster["semiSync"]!["enabled"]!);

        await (await ConfigureAsync(new { enabled = false })).AssertStatusAsync(HttpStatusCode.OK);
        foreach (var server in SandboxSettings.Current.MariaDb)
            Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(server, "SELECT @@rpl_semi_sync_master_enabled"));
    }

    [Fact]
    public async Task A_request_without_a_decision_or_with_a_bad_timeout_is_refused_and_changes_nothing()
    {
        var missing = await ConfigureAsync(new { timeoutMilliseconds = 500 });
        var badTimeout = await ConfigureAsync(new { enabled = true, timeoutMilliseconds = 0 });
        var unknown = await _client.Http.PutAsJsonAsync($"/api/clusters/{Guid.NewGuid()}/semi-sync", new { enabled = true });

        await missing.AssertStatusAsync(HttpStatusCode.BadRequest);
        Assert.Contains("enabled", await missing.Content.ReadAsStringAsync());
        await badTimeout.AssertStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", badTimeout.Content.Headers.ContentType?.MediaType);
        await unknown.AssertStatusAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_enabled"));
    }
}

/// <summary>A switchover under semi-sync moves the waiting role to the new master and keeps every commit acknowledged.</summary>
[Collection(ApiCollection.Name)]
public sealed class SemiSyncSwitchoverTests(ApiFactory api) : IAsyncLifetime
{
    private Failover.FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await Failover.FailoverRig.StartAsync(api);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task After_a_switchover_the_new_master_waits_for_acknowledgements_and_the_old_one_gives_them()
    {
        await _rig.EnableSemiSyncAsync();
        var started = await _rig.Client.Http.PostAsJsonAsync($"/api/clusters/{_rig.Cluster}/switchover", new { candidate = "db2" });
        await started.AssertStatusAsync(HttpStatusCode.Accepted);
        var operation = Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!);
        var ended = await _rig.Client.WaitForStepAsync(operation, nameof(Workflows.Switchover.SwitchoverCompleted));
        Assert.Empty(ended["steps"]!.AsArray().Single(s => (string?)s!["event"] == "SwitchoverCompleted")!["data"]!["needsAttention"]!.AsArray());

        var newMaster = SandboxSettings.Current.MariaDb[1];
        Assert.Equal(1, await SandboxReplication.ScalarAsync<long>(newMaster, "SELECT @@rpl_semi_sync_master_enabled"));
        Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_enabled"));
        Assert.Equal(1, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_slave_enabled"));
        await using var load = Failover.WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        await load.StopAsync();
        Assert.Equal("ON", await SemiSyncTests.StatusAsync(newMaster, "Rpl_semi_sync_master_status"));
        Assert.Equal("2", await SemiSyncTests.StatusAsync(newMaster, "Rpl_semi_sync_master_clients"));
    }
}
