using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Topology;
using MySqlHa.Proxy.Configuration;
using MySqlHa.Proxy.Forwarding;

namespace MySqlHa.Proxy.Routing;

/// <summary>One cluster: follows its topology in etcd and runs its read-write and read-only listeners.</summary>
internal sealed class ClusterRouting(ProxiedCluster cluster, ProxySettings settings, EtcdConnection etcd, ILoggerFactory logging)
{
    private readonly TopologyFollower _follower = new(etcd, cluster.Name);
    private RouteTable _routes = RouteTable.Empty;

    public ProxiedCluster Cluster => cluster;

    public RouteTable Routes => Volatile.Read(ref _routes);

    public bool EtcdConnected => _follower.Connected;

    public Task RunAsync(CancellationToken stopping)
    {
        _follower.Changed += topology => Volatile.Write(ref _routes, RouteTable.From(topology));
        var logger = logging.CreateLogger($"MySqlHa.Proxy.{cluster.Name}");
        var tasks = new List<Task>
        {
            _follower.RunAsync(stopping),
            new TcpForwarder(cluster.ReadWrite, () => Routes.Master, settings.ConnectTimeout, logger).RunAsync(stopping),
        };
        if (cluster.ReadOnly is { } readOnly)
            tasks.Add(new TcpForwarder(readOnly, () => Routes.NextReplica(), settings.ConnectTimeout, logger).RunAsync(stopping));
        return Task.WhenAll(tasks);
    }
}
