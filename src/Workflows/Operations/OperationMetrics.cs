using Prometheus;

namespace MySqlHa.Workflows.Operations;

/// <summary>Switchovers and failovers as they end: how many by kind and outcome, and how long they held their cluster.</summary>
public static class OperationMetrics
{
    private static readonly Counter Ended = Metrics.CreateCounter("mysqlha_operations_total",
        "Operations that ended, by kind (switchover, failover) and outcome (completed, needsAttention, aborted, released).", "kind", "outcome");

    private static readonly Histogram Durations = Metrics.CreateHistogram("mysqlha_operation_duration_seconds",
        "How long an operation held its cluster, from OperationStarted to its end, by kind and outcome.",
        new HistogramConfiguration { LabelNames = ["kind", "outcome"], Buckets = Histogram.ExponentialBuckets(0.25, 2, 14) });

    /// <summary>Counted once per operation, by the call that freed its cluster (see <see cref="OperationEnding"/>).</summary>
    public static void Record(string? kind, string outcome, TimeSpan? heldFor)
    {
        // Kind and start are unknown only for an operation that began before the cluster record kept them.
        kind ??= "unknown";
        Ended.WithLabels(kind, outcome).Inc();
        if (heldFor is { } duration) Durations.WithLabels(kind, outcome).Observe(duration.TotalSeconds);
    }
}
