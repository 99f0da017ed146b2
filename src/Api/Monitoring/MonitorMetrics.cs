using System.Collections.Concurrent;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Monitoring;
using Prometheus;

namespace MySqlHa.Api.Monitoring;

/// <summary>
/// Exports the monitor's latest observations as Prometheus gauges, filled in at scrape time from what the monitor
/// already holds: scraping costs no database round trip.
/// </summary>
public static class MonitorMetrics
{
    private static readonly string[] Labels = ["cluster", "instance"];

    private static readonly Gauge Up = Metrics.CreateGauge("mysqlha_instance_up", "1 when the last probe reached the server.", Labels);
    private static readonly Gauge ReadOnly = Metrics.CreateGauge("mysqlha_instance_read_only", "1 when the server is read-only.", Labels);
    private static readonly Gauge Status = Metrics.CreateGauge("mysqlha_instance_status", "1 for the instance's current status (label status).", [.. Labels, "status"]);
    private static readonly Gauge Lag = Metrics.CreateGauge("mysqlha_replication_lag_seconds", "Seconds_Behind_Master / Seconds_Behind_Source.", Labels);
    private static readonly Gauge IoRunning = Metrics.CreateGauge("mysqlha_replication_io_running", "1 when the replication IO thread runs.", Labels);
    private static readonly Gauge SqlRunning = Metrics.CreateGauge("mysqlha_replication_sql_running", "1 when the replication SQL thread runs.", Labels);
    private static readonly Gauge GtidTransactions = Metrics.CreateGauge("mysqlha_gtid_executed_transactions", "Transactions in the executed GTID set.", Labels);
    private static readonly Gauge Connections = Metrics.CreateGauge("mysqlha_instance_connections", "Threads_connected.", Labels);
    private static readonly Gauge QueriesPerSecond = Metrics.CreateGauge("mysqlha_instance_queries_per_second", "Questions per second between the last two probes.", Labels);

    public static IServiceCollection AddMonitorMetrics(this IServiceCollection services)
    {
        services.AddHostedService<MetricsExport>();
        return services;
    }

    /// <summary>
    /// The observations of every running host of this process. The gauges live in the process-wide registry, so one
    /// callback exports them all: a callback per host would clear the others' figures (and a stopped host's would go on).
    /// </summary>
    private static readonly ConcurrentDictionary<MonitorObservations, byte> Running = new();

    private static readonly Lazy<bool> Registered = new(() =>
    {
        Metrics.DefaultRegistry.AddBeforeCollectCallback(Export);
        return true;
    });

    private sealed class MetricsExport(MonitorObservations observations) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            Running[observations] = 0;
            _ = Registered.Value;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Running.TryRemove(observations, out _);
            return Task.CompletedTask;
        }
    }

    private static void Export()
    {
        foreach (var gauge in new[] { Up, ReadOnly, Status, Lag, IoRunning, SqlRunning, GtidTransactions, Connections, QueriesPerSecond })
            foreach (var labels in gauge.GetAllLabelValues().ToList())
                gauge.RemoveLabelled(labels);

        foreach (var observation in Running.Keys.SelectMany(observations => observations.All))
        {
            string[] labels = [observation.Cluster, observation.Instance];
            Status.WithLabels([.. labels, observation.Verdict.Status.ToString().ToUpperInvariant()]).Set(1);
            Up.WithLabels(labels).Set(observation.Probe.Reachable ? 1 : 0);
            if (observation.Probe.Snapshot is not { } snapshot) continue;
            ReadOnly.WithLabels(labels).Set(snapshot.ReadOnly ? 1 : 0);
            GtidTransactions.WithLabels(labels).Set(GtidSets.CountTransactions(snapshot.Flavor, snapshot.GtidExecuted));
            Connections.WithLabels(labels).Set(snapshot.Counters.ThreadsConnected);
            if (observation.QueriesPerSecond is { } qps) QueriesPerSecond.WithLabels(labels).Set(qps);
            if (snapshot.Replication is not { } replication) continue;
            IoRunning.WithLabels(labels).Set(replication.IoThread == ReplicationThreadState.Running ? 1 : 0);
            SqlRunning.WithLabels(labels).Set(replication.SqlThread == ReplicationThreadState.Running ? 1 : 0);
            if (replication.SecondsBehindSource is { } behind) Lag.WithLabels(labels).Set(behind);
        }
    }
}
