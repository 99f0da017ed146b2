using Prometheus;

namespace MySqlHa.Workflows.Failover;

/// <summary>How long each phase of a failover took, how failovers ended, and alerts that led to none.</summary>
public static class FailoverMetrics
{
    /// <summary>detect, confirm, fence, promote, repoint, proxy_flip and total.</summary>
    public static readonly Histogram PhaseSeconds = Metrics.CreateHistogram("mysqlha_failover_phase_seconds",
        "Duration of each failover phase: detect (last good probe to first failed one), confirm (to the decision), fence, promote (relay log applied and promoted), repoint, proxy_flip (new topology published), total.",
        new HistogramConfiguration { LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    public static readonly Counter Failovers = Metrics.CreateCounter("mysqlha_failovers_total",
        "Failovers by cluster, trigger and outcome (completed, aborted, needsAttention).", "cluster", "trigger", "outcome");

    public static readonly Counter Alerts = Metrics.CreateCounter("mysqlha_master_failure_alerts_total",
        "Alerts that led to no failover: unreachable (signals disagree), withheld (blocked, disabled, or the cluster held by an operation), operation_overdue (an operation still holds its cluster past its deadline).",
        "cluster", "kind");

    public static readonly Counter InvariantViolations = Metrics.CreateCounter("mysqlha_writable_invariant_violations_total",
        "Episodes of the one-writer invariant not holding, by cluster and kind (several-writable, follower-writable).", "cluster", "kind");
}
