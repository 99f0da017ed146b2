using Prometheus;

namespace MySqlHa.Api.Security;

internal static class AuthMetrics
{
    public static readonly Counter Failures = Metrics.CreateCounter("mysqlha_authentication_failures_total",
        "Calls whose credentials were refused, by scheme (ApiKey, Bearer) and reason (malformed, unknown, revoked, invalid, forbidden).",
        new CounterConfiguration { LabelNames = ["scheme", "reason"] });
}
