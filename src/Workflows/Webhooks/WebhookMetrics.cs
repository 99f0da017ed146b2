using Prometheus;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>Webhook delivery attempts by outcome, how long each took, and subscriptions paused for failing.</summary>
public static class WebhookMetrics
{
    public static readonly Counter Attempts = Metrics.CreateCounter("mysqlha_webhook_deliveries_total",
        "Webhook delivery attempts by outcome: delivered (2xx), rejected (the receiver answered another status), unreachable (no answer: refused, timed out, TLS).",
        "outcome");

    public static readonly Histogram AttemptSeconds = Metrics.CreateHistogram("mysqlha_webhook_attempt_seconds",
        "Duration of one webhook delivery attempt, from sending the request to its answer or failure, by outcome (delivered, rejected, unreachable).",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 15) });

    public static readonly Counter Paused = Metrics.CreateCounter("mysqlha_webhook_subscriptions_paused_total",
        "Webhook subscriptions paused because their deliveries kept failing (MySqlHa:Webhooks:PauseAfterFailures or PauseAfterFailingFor).");
}
