using MySqlHa.Workflows.Clusters;
using Prometheus;

namespace MySqlHa.Workflows.SemiSync;

/// <summary>Semi-sync as our records hold it: fallen back, forced to fall back, commits stalled; and the transitions recorded.</summary>
public static class SemiSyncMetrics
{
    private static readonly Gauge FallenBack = Metrics.CreateGauge("mysqlha_semisync_fallen_back",
        "1 while the cluster's master runs asynchronously although semi-sync is configured (recorded SemiSyncFellBack, no SemiSyncRestored since).", "cluster");

    private static readonly Gauge FallbackForced = Metrics.CreateGauge("mysqlha_semisync_fallback_forced",
        "1 while a switch's forced bounded timeout replaces the configured never-fall-back (SemiSyncFallbackForced, until semi-sync is configured again).", "cluster");

    private static readonly Gauge CommitsStalled = Metrics.CreateGauge("mysqlha_semisync_commits_stalled",
        "1 while a never-falling-back master has commits waiting and no replica to acknowledge them (SemiSyncCommitsStalled).", "cluster");

    /// <summary>Recorded transitions, counted when their event is appended (once each): fell_back, restored, forced, stalled, resumed.</summary>
    public static readonly Counter Transitions = Metrics.CreateCounter("mysqlha_semisync_transitions_total",
        "Semi-sync transitions recorded on the cluster's stream, by kind: fell_back, restored, forced, stalled, resumed.", "cluster", "kind");

    /// <summary>Sets the gauges from the record; every process does it each round, as every process serves metrics.</summary>
    public static void Export(Cluster cluster)
    {
        var health = cluster.SemiSyncHealth;
        FallenBack.WithLabels(cluster.Name).Set(cluster.SemiSync.Enabled && health.FallenBackOn is not null ? 1 : 0);
        FallbackForced.WithLabels(cluster.Name).Set(cluster.SemiSync.Enabled && health.Forced is not null ? 1 : 0);
        CommitsStalled.WithLabels(cluster.Name).Set(cluster.SemiSync.Enabled && health.StalledOn is not null ? 1 : 0);
    }

    public static string Kind(object recorded) => recorded switch
    {
        SemiSyncFellBack => "fell_back",
        SemiSyncRestored => "restored",
        SemiSyncFallbackForced => "forced",
        SemiSyncCommitsStalled => "stalled",
        SemiSyncCommitsResumed => "resumed",
        _ => "other",
    };
}
