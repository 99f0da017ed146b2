using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>The proxy's figures: labels cluster and listener (read-write or read-only), and target where it applies.</summary>
internal static class ProxyMetrics
{
    public static readonly Gauge ActiveConnections = Metrics.CreateGauge("mysqlha_proxy_connections_active",
        "Client connections being forwarded.", "cluster", "listener", "target");

    public static readonly Counter Connections = Metrics.CreateCounter("mysqlha_proxy_connections_total",
        "Client connections forwarded.", "cluster", "listener", "target");

    public static readonly Counter Bytes = Metrics.CreateCounter("mysqlha_proxy_bytes_total",
        "Bytes forwarded, by direction (to_server, to_client).", "cluster", "listener", "direction");

    public static readonly Counter Refusals = Metrics.CreateCounter("mysqlha_proxy_refusals_total",
        "Client connections refused, by reason.", "cluster", "listener", "reason");

    public static readonly Histogram HoldSeconds = Metrics.CreateHistogram("mysqlha_proxy_hold_seconds",
        "How long new read-write connections were held while the cluster was switching.",
        new HistogramConfiguration { LabelNames = ["cluster"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });

    public static readonly Counter RoutingChanges = Metrics.CreateCounter("mysqlha_proxy_routing_changes_total",
        "New topology versions applied.", "cluster");

    public static readonly Counter ClosedOnDemotion = Metrics.CreateCounter("mysqlha_proxy_connections_closed_on_demotion_total",
        "Established read-write connections closed because their server stopped being the master.", "cluster");
}
