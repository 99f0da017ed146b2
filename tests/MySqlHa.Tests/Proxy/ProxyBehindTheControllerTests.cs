using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>
/// The proxy behind the real controller: the Api (its monitor, its publisher, its switchover saga), an agent beside
/// every sandbox server, the proxy as its own process following what the controller publishes. The controller
/// publishes only replicas whose status is OK, so a replica that stops leaves the read pool without anyone touching
/// the proxy.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProxyBehindTheControllerTests(ApiFactory api) : IAsyncLifetime
{
    private const string ClusterName = "proxied-live";
    private readonly ClusterClient _client = new(api.CreateClient());
    private readonly EtcdConnection _etcd = new(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = ApiFactory.EtcdPrefix });
    private readonly List<AgentHarness> _agents = [];
    private readonly int _readWritePort = ServiceProcess.FreePort();
    private readonly int _readOnlyPort = ServiceProcess.FreePort();
    private ServiceProcess? _proxy;
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        await _etcd.Client.DeleteRangeAsync(_etcd.Keys.Topology(ClusterName));
        SandboxReplication.Reset();
        _cluster = await _client.RegisterSandboxClusterAsync(ClusterName);
        _agents.AddRange(await AgentHarness.StartBesideEachServerAsync(ApiFactory.EtcdPrefix, ClusterName));
        _proxy = ProxyProcess.Start(ApiFactory.EtcdPrefix, ClusterName, _readWritePort, _readOnlyPort);
    }

    [Fact]
    public async Task A_replica_that_stops_leaves_the_read_pool_and_readers_go_to_the_others()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
        var (db2, db3) = (SandboxReplication.Replicas[0].Port, SandboxReplication.Replicas[1].Port);
        Assert.Equal([db2, db3], await ProxySessions.PortsUntilAsync(_readOnlyPort, ports => ports.SetEquals([db2, db3])));

        SandboxReplication.StopServer(3);
        try
        {
            await _client.WaitForStatusAsync(_cluster, "db3", "ERROR");

            Assert.Equal([db2], await ProxySessions.PortsUntilAsync(_readOnlyPort, ports => ports.SetEquals([db2])));
            Assert.Equal([SandboxReplication.Primary.Port],
                await ProxySessions.PortsUntilAsync(_readWritePort, ports => ports.SetEquals([SandboxReplication.Primary.Port])));
        }
        finally
        {
            SandboxReplication.RunEnvScript("up");
        }
    }

    [Fact]
    public async Task New_sessions_are_held_through_the_switch_and_released_to_the_new_master_and_sessions_to_the_old_one_are_closed()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
        await SandboxReplication.WriteAndReplicateAsync();
        var (db1, db2) = (SandboxReplication.Primary.Port, SandboxReplication.Replicas[0].Port);
        Assert.Equal([db1], await ProxySessions.PortsUntilAsync(_readWritePort, ports => ports.SetEquals([db1])));
        await using var established = new MySqlConnection(SandboxConnections.ConnectionString(
            new ServerEndpoint("127.0.0.1", _readWritePort), SandboxSettings.Current.Admin, TimeSpan.FromSeconds(5)) + ";Pooling=false");
        await established.OpenAsync();

        // An open transaction on the old master keeps the saga in its bounded drain, traffic held, until it commits.
        await using var open = await SandboxReplication.OpenAsync(SandboxReplication.Primary);
        await new MySqlCommand("BEGIN; INSERT INTO mysqlha_test.marks VALUES ()", open).ExecuteNonQueryAsync();
        var started = await _client.Http.PostAsJsonAsync($"/api/clusters/{_cluster}/switchover",
            new { candidate = "db2", transactionWaitSeconds = 60, catchUpTimeoutSeconds = 60 });
        var operation = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!;
        await _client.WaitForTrafficHeldAsync(_cluster);
        await ProxyEndpoints.WaitForHealthAsync(_proxy!, clusters => (string?)clusters[0]!["state"] == "Switching");

        var held = MariaDbCommandLine.PortBehindAsync(_readWritePort);
        await ProxyEndpoints.WaitForHealthAsync(_proxy!, clusters => (int?)clusters[0]!["held"] == 1);
        await new MySqlCommand("COMMIT", open).ExecuteNonQueryAsync();

        Assert.Equal(db2, await held);
        var ended = await WaitForOperationAsync(operation, view => (string?)view["state"] != "running");
        Assert.Equal("completed", (string?)ended["state"]);
        await ProxyEndpoints.WaitForMetricsAsync(_proxy!, metrics => ProxyEndpoints.Sum(metrics, "mysqlha_proxy_connections_closed_on_demotion_total", ClusterName) >= 1);
        await Assert.ThrowsAnyAsync<Exception>(() => new MySqlCommand("SELECT @@port", established).ExecuteScalarAsync());
    }

    private async Task<JsonNode> WaitForOperationAsync(string operation, Func<JsonNode, bool> done)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            var view = JsonNode.Parse(await _client.Http.GetStringAsync($"/api/operations/{operation}"))!;
            if (done(view)) return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the switchover never showed the awaited state: {view.ToJsonString()}");
        }
    }

    public async Task DisposeAsync()
    {
        _proxy?.Dispose();
        foreach (var agent in _agents) agent.Dispose();
        await _etcd.Client.DeleteRangeAsync(_etcd.Keys.Topology(ClusterName));
        _etcd.Dispose();
        SandboxReplication.Reset();
    }
}
