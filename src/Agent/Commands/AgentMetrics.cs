using Prometheus;

namespace MySqlHa.Agent.Commands;

/// <summary>The agent's own figures, beside prometheus-net's HTTP and process metrics.</summary>
internal static class AgentMetrics
{
    public static readonly Counter Commands = Metrics.CreateCounter("mysqlha_agent_commands_total",
        "Commands by name and outcome (done, replayed, refused, failed; stale-fencing-token, by request path, for a controller whose token is no longer the leader's).", "command", "outcome");

    public static readonly Gauge MysqldUp = Metrics.CreateGauge("mysqlha_agent_mysqld_up", "1 when the local mysqld answered the last health check.");

    public static readonly Gauge NewestFencingToken = Metrics.CreateGauge("mysqlha_agent_newest_fencing_token",
        "The newest controller fencing token seen; older ones are refused.");
}
