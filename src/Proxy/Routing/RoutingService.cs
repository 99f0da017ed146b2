using MySqlHa.Coordination.Etcd;
using MySqlHa.Proxy.Configuration;

namespace MySqlHa.Proxy.Routing;

internal sealed class RoutingService(ProxySettings settings, EtcdConnection etcd, ILoggerFactory logging) : BackgroundService
{
    public IReadOnlyList<ClusterRouting> Clusters { get; } =
        settings.Clusters.Select(c => new ClusterRouting(c, settings, etcd, logging)).ToList();

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.WhenAll(Clusters.Select(c => c.RunAsync(stopping)));
}
