using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Tests.SemiSync;

/// <summary>
/// The monitor sees a master fall back to asynchronous replication and come back, and a never-falling-back master's
/// commits stall, on the real servers: the replicas' receivers stopped so that nobody acknowledges.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SemiSyncFallbackTests(ApiFactory api) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private ClusterClient _client = null!;
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
        _client = new ClusterClient(api.CreateClient());
        _cluster = await _client.RegisterSandboxClusterAsync("semisync-fallback");
        await api.AgentsForAsync("semisync-fallback");
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
        await SandboxReplication.WriteAndReplicateAsync();
    }

    public Task DisposeAsync()
    {
        SandboxReplication.Reset();
        return Task.CompletedTask;
    }

    private async Task ConfigureAsync(object body) =>
        await (await _client.Http.PutAsJsonAsync($"/api/clusters/{_cluster}/semi-sync", body)).AssertStatusAsync(HttpStatusCode.OK);

    private async Task<JsonNode> SemiSyncViewAsync() =>
        JsonNode.Parse(await _client.Http.GetStringAsync($"/api/clusters/{_cluster}"))!["semiSync"]!;

    private async Task<JsonNode> WaitForViewAsync(Func<JsonNode, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        JsonNode view;
        while (!condition(view = await SemiSyncViewAsync()))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} within {Limit}; semiSync: {view.ToJsonString()}; the monitor's last look at db1: " +
                    $"{api.Services.GetRequiredService<MonitorObservations>().Find(_cluster, "db1")}");
            await Task.Delay(100);
        }
        return view;
    }

    private async Task<IReadOnlyList<object>> ClusterEventsAsync()
    {
        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(_cluster)).Select(e => e.Data).ToList();
    }

    /// <summary>Waits until the monitor has probed the master <paramref name="rounds"/> more times after <paramref name="after"/>.</summary>
    private async Task WaitForProbesOfMasterAsync(DateTimeOffset after, int rounds)
    {
        var interval = api.Services.GetRequiredService<MonitorOptions>().Interval;
        var deadline = DateTime.UtcNow + Limit;
        while (api.Services.GetRequiredService<MonitorObservations>().Find(_cluster, "db1")?.Probe.Snapshot?.ObservedAt is not { } seen
               || seen < after + interval * rounds)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the monitor did not probe db1 {rounds} more times");
            await Task.Delay(100);
        }
    }

    /// <summary>Every process sets the gauges from the record once a round: the value follows the event within one.</summary>
    private async Task WaitForMetricAsync(string line)
    {
        var deadline = DateTime.UtcNow + Limit;
        string metrics;
        while (!(metrics = await _client.Http.GetStringAsync("/metrics")).Split('\n').Contains(line))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no '{line}' within {Limit}: {string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("mysqlha_semisync")))}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForClientsAsync(long clients)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (long.Parse(await SemiSyncTests.StatusAsync(SandboxReplication.Primary, "Rpl_semi_sync_master_clients")) != clients)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the master did not reach {clients} semi-sync clients");
            await Task.Delay(100);
        }
    }

    private static async Task StopReceiversAsync()
    {
        foreach (var replica in SandboxReplication.Replicas) await SandboxReplication.ExecuteAsync(replica, "STOP SLAVE IO_THREAD");
        await WaitForClientsAsync(0);
    }

    /// <summary>One commit on the master, waiting as long as the server makes it (the sandbox helpers give up after 5 s).</summary>
    private static async Task InsertAsync()
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxReplication.Primary);
        await new MySqlConnector.MySqlCommand("INSERT INTO mysqlha_test.marks VALUES ()", connection) { CommandTimeout = 0 }.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_fallback_to_asynchronous_is_recorded_once_with_the_servers_evidence_and_so_is_its_end()
    {
        await ConfigureAsync(new { enabled = true, timeoutMilliseconds = 500 });
        await WaitForClientsAsync(2);
        await StopReceiversAsync();

        // Nobody acknowledges: the commit waits 500 ms, then the master runs asynchronously.
        await InsertAsync();
        Assert.Equal("OFF", await SemiSyncTests.StatusAsync(SandboxReplication.Primary, "Rpl_semi_sync_master_status"));
        var fallenBack = await WaitForViewAsync(v => (bool)v["fallenBack"]!, "no fallback was recorded");

        Assert.Equal("db1", (string?)fallenBack["fallenBackOn"]);
        var fell = Assert.Single((await ClusterEventsAsync()).OfType<SemiSyncFellBack>());
        Assert.Equal(("db1", true, 0L), (fell.Instance, fell.EnabledOnServer, fell.Clients));
        Assert.True(fell.NoTransactions >= 1, $"no unacknowledged commit in the evidence: {fell}");
        Assert.Equal(fell.ObservedAt, (DateTimeOffset)fallenBack["since"]!);
        Assert.Equal(await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_current_pos"), fell.GtidExecuted);
        await WaitForMetricAsync("mysqlha_semisync_fallen_back{cluster=\"semisync-fallback\"} 1");
        await WaitForProbesOfMasterAsync(fell.ObservedAt, rounds: 3);
        Assert.Single((await ClusterEventsAsync()).OfType<SemiSyncFellBack>());

        // The replicas reconnect and catch up: the master waits for their acknowledgements again.
        foreach (var replica in SandboxReplication.Replicas) await SandboxReplication.ExecuteAsync(replica, "START SLAVE IO_THREAD");
        await WaitForClientsAsync(2);
        await SandboxReplication.WriteAndReplicateAsync();
        await WaitForViewAsync(v => !(bool)v["fallenBack"]!, "the end of the fallback was not recorded");

        var restored = Assert.Single((await ClusterEventsAsync()).OfType<SemiSyncRestored>());
        Assert.Equal("db1", restored.Instance);
        Assert.True(restored.Clients >= 1);
        await WaitForProbesOfMasterAsync(restored.ObservedAt, rounds: 3);
        var events = await ClusterEventsAsync();
        Assert.Single(events.OfType<SemiSyncFellBack>());
        Assert.Single(events.OfType<SemiSyncRestored>());
        await WaitForMetricAsync("mysqlha_semisync_fallen_back{cluster=\"semisync-fallback\"} 0");
    }

    [Fact]
    public async Task The_probe_reads_a_never_falling_back_masters_waiting_commits_and_missing_acknowledgers()
    {
        await ConfigureAsync(new { enabled = true, neverFallBack = true });
        await WaitForClientsAsync(2);
        await StopReceiversAsync();
        var insert = InsertAsync();

        var probe = new ServiceCollection().AddServerProbe(new MySqlHa.Replication.Servers.SecretFiles()).BuildServiceProvider().GetRequiredService<IServerProbe>();
        SemiSyncStatus? seen = null;
        var deadline = DateTime.UtcNow + Limit;
        while ((seen = (await probe.ReadAsync(SandboxReplication.Primary, SandboxSettings.Current.Admin, default)).Snapshot?.SemiSync) is not { WaitSessions: 1 })
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no waiting commit seen; last: {seen}");
            await Task.Delay(100);
        }

        Assert.Equal((true, true, 0L), (seen.MasterEnabled, seen.MasterOn, seen.Clients));
        Assert.False(insert.IsCompleted);
        var replica = (await probe.ReadAsync(SandboxReplication.Replicas[0], SandboxSettings.Current.Admin, default)).Snapshot!.SemiSync!;
        Assert.Equal((false, true), (replica.MasterEnabled, replica.ReplicaEnabled));
        await ConfigureAsync(new { enabled = false });
        await insert.WaitAsync(Limit);
    }

    [Fact]
    public async Task Commits_stalled_on_a_never_falling_back_master_raise_one_alert_and_a_timeout_from_the_operator_releases_them()
    {
        await ConfigureAsync(new { enabled = true, neverFallBack = true });
        await WaitForClientsAsync(2);
        await StopReceiversAsync();

        var insert = InsertAsync();
        var stalled = await WaitForViewAsync(v => (bool)v["commitsStalled"]!, "no stall was recorded");

        // The monitor alerts; it changes nothing on the server: the commit still waits, as the operator chose.
        var alert = Assert.Single((await ClusterEventsAsync()).OfType<SemiSyncCommitsStalled>());
        Assert.Equal(("db1", 1L, 0L), (alert.Instance, alert.WaitSessions, alert.Clients));
        Assert.True(alert.ObservedAt - alert.Since >= api.Services.GetRequiredService<MonitorOptions>().SemiSyncStallAlertAfter);
        Assert.Equal(alert.Since, (DateTimeOffset)stalled["stalledSince"]!);
        Assert.False(insert.IsCompleted);
        await WaitForMetricAsync("mysqlha_semisync_commits_stalled{cluster=\"semisync-fallback\"} 1");
        await WaitForProbesOfMasterAsync(alert.ObservedAt, rounds: 3);
        Assert.Single((await ClusterEventsAsync()).OfType<SemiSyncCommitsStalled>());

        // A timeout given to a master that never fell back releases the commit already waiting, not only later ones.
        await ConfigureAsync(new { enabled = true, timeoutMilliseconds = 1000 });
        await insert.WaitAsync(Limit);
        Assert.Equal(1000, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_timeout"));
        // The next commit waits a second and falls back: the monitor records that instead of a stall.
        await InsertAsync();
        var view = await WaitForViewAsync(v => (bool)v["fallenBack"]!, "the fallback after the release was not recorded");
        Assert.False((bool)view["commitsStalled"]!);
    }
}
