using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Topology;
using MySqlHa.Proxy.Configuration;
using MySqlHa.Proxy.Forwarding;

namespace MySqlHa.Proxy.Routing;

/// <summary>Every cluster's routing, each following its topology from etcd or from the Api's stream.</summary>
internal sealed class RoutingService : BackgroundService
{
    private readonly HttpClient? _api;

    public RoutingService(ProxySettings settings, EtcdConnection etcd, ILoggerFactory logging)
    {
        // One client for every stream: a stream stays open for as long as the proxy runs, so no overall timeout.
        if (settings.ApiUrl is { } apiUrl)
        {
            _api = new HttpClient(new SocketsHttpHandler { ConnectTimeout = settings.ConnectTimeout })
                { BaseAddress = apiUrl, Timeout = Timeout.InfiniteTimeSpan };
            _api.DefaultRequestHeaders.Add("X-Api-Key", File.ReadAllText(settings.ApiKeyFile).Trim());
        }
        var relay = Relay.Choose(settings.DataPath, logging.CreateLogger<Relay>());
        Clusters = settings.Clusters.Select(cluster =>
        {
            ITopologyFeed topology = cluster.ApiClusterId is { } id
                ? new ApiTopologyFollower(_api!, id, logging.CreateLogger<ApiTopologyFollower>())
                : new TopologyFollower(etcd, cluster.Name);
            return new ClusterRouting(cluster, settings, topology, relay, logging);
        }).ToList();
    }

    public IReadOnlyList<ClusterRouting> Clusters { get; }

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.WhenAll(Clusters.Select(c => c.RunAsync(stopping)));

    public override void Dispose()
    {
        _api?.Dispose();
        base.Dispose();
    }
}
