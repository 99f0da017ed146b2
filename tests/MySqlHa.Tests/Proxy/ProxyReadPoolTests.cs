using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>
/// The proxy behind the real controller (the Api's monitor and publisher, the proxy as its own process): the
/// controller publishes only replicas whose status is OK, so a replica that stops leaves the read pool without
/// anyone touching the proxy.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProxyReadPoolTests(ApiFactory api) : IAsyncLifetime
{
    private const string ClusterName = "proxied-pool";
    private readonly ClusterClient _client = new(api.CreateClient());
    private readonly EtcdConnection _etcd = new(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = ApiFactory.EtcdPrefix });
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

    public async Task DisposeAsync()
    {
        _proxy?.Dispose();
        await _etcd.Client.DeleteRangeAsync(_etcd.Keys.Topology(ClusterName));
        _etcd.Dispose();
    }
}
