using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>
/// A proxy that follows the Api's Server-Sent Events stream instead of etcd (its etcd endpoint leads nowhere): the
/// Api and the proxy each as their own process, the Api's monitor publishing what the servers show.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ProxyFollowingTheApiTests : IAsyncLifetime
{
    private const string Schema = "test_proxy_sse";
    private readonly string _prefix = $"/mysqlha-test-proxy-sse-{Guid.NewGuid():N}";
    private readonly int _readWritePort = ServiceProcess.FreePort();
    private readonly int _readOnlyPort = ServiceProcess.FreePort();
    private readonly List<AgentHarness> _agents = [];
    private ServiceProcess? _api;
    private ServiceProcess? _proxy;

    public async Task InitializeAsync()
    {
        SandboxReplication.Reset();
        await using var postgres = new Npgsql.NpgsqlConnection(SandboxSettings.Current.Postgres);
        await postgres.OpenAsync();
        await new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", postgres).ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task The_proxy_routes_by_the_apis_stream_follows_its_updates_and_keeps_routing_when_the_api_is_gone()
    {
        (_api, var client) = await ApiProcess.StartAsync(_prefix, Schema);
        var cluster = await client.RegisterSandboxClusterAsync("followed");
        _agents.AddRange(await AgentHarness.StartBesideEachServerAsync(_prefix, "followed"));
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2");
        var viewerKey = await client.CreateKeyFileAsync("proxy", "viewer");
        _proxy = ProxyProcess.Start(_prefix, "followed", _readWritePort, _readOnlyPort, new Dictionary<string, string>
        {
            ["Etcd__Endpoint"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}",
            ["ApiUrl"] = _api!.Url,
            ["ApiKeyFile"] = viewerKey,
            ["Clusters__0__Topology"] = "api",
            ["Clusters__0__ApiClusterId"] = cluster.ToString(),
        });
        var (primary, db2, db3) = (SandboxReplication.Primary.Port, SandboxReplication.Replicas[0].Port, SandboxReplication.Replicas[1].Port);
        Assert.Equal([primary], await ProxySessions.PortsUntilAsync(_readWritePort, ports => ports.SetEquals([primary])));
        Assert.Equal([db2], await ProxySessions.PortsUntilAsync(_readOnlyPort, ports => ports.SetEquals([db2])));

        await client.SucceedAsync(cluster, "db3", "register", "replica");
        await client.SucceedAsync(cluster, "db3", "activate");
        await client.WaitForStatusAsync(cluster, "db3", "OK");
        Assert.Equal([db2, db3], await ProxySessions.PortsUntilAsync(_readOnlyPort, ports => ports.SetEquals([db2, db3])));

        _api.KillHard();
        await _api.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([primary], await ProxySessions.PortsUntilAsync(_readWritePort, ports => ports.SetEquals([primary])));
        Assert.Equal([db2, db3], await ProxySessions.PortsUntilAsync(_readOnlyPort, ports => ports.SetEquals([db2, db3])));
    }

    public async Task DisposeAsync()
    {
        _proxy?.Dispose();
        _api?.Dispose();
        foreach (var agent in _agents) agent.Dispose();
        using var etcd = new MySqlHa.Coordination.Etcd.EtcdConnection(new() { Endpoint = SandboxSettings.Current.Etcd, Prefix = _prefix });
        await etcd.Client.DeleteRangeAsync(_prefix);
        SandboxReplication.Reset();
    }
}
