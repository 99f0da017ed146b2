using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Workflows.Failover;

/// <summary>
/// Weighs the signals about each cluster's master once per round (see <see cref="MasterVerdict.Judge"/>) and acts:
/// a dead master starts a failover unless automatic recovery is disabled or blocked; a master only the controller
/// lost is an alert. Each episode (from losing the master to reaching it again) gets one alert or one failover attempt.
/// Run by the leader only.
/// </summary>
public sealed partial class MasterFailureDetector(
    MonitorObservations observations,
    ClusterMonitor monitor,
    EtcdConnection etcd,
    ClusterStream clusters,
    FailoverStarter starter,
    AgentClient agents,
    FailureDetectionOptions options,
    TimeProvider clock,
    ILogger<MasterFailureDetector> logger)
{
    private readonly HashSet<(Guid Cluster, string Kind)> _alerted = [];
    private readonly HashSet<Guid> _attempted = [];

    /// <summary>An operation's saga ends it at its deadline; past this margin beyond it, the saga itself is in trouble.</summary>
    private static readonly TimeSpan OverdueMargin = TimeSpan.FromSeconds(30);

    private readonly HashSet<Guid> _overdue = [];

    /// <summary>
    /// The agents' reports that a master's process is stopped, by cluster and instance name, with when this controller
    /// first heard each (from the agents' watch, or its own read of etcd): a stopped master is lost from then on.
    /// </summary>
    private readonly ConcurrentDictionary<(string Cluster, string Instance), StoppedProcessReport> _stopped = new();

    /// <summary>
    /// An agent reported its mysqld's process stopped (observed at <paramref name="observedAt"/> by its clock): heard
    /// now, unless this very report was heard already.
    /// </summary>
    public void HeardStopped(string cluster, string instance, DateTimeOffset observedAt)
    {
        var now = clock.GetUtcNow();
        _stopped.AddOrUpdate((cluster, instance), _ => new(observedAt, now), (_, known) => known.ObservedAt == observedAt ? known : new(observedAt, now));
    }

    /// <summary>An agent reported its mysqld's process no longer stopped (continued, ended, or up).</summary>
    public void HeardNotStopped(string cluster, string instance) => _stopped.TryRemove((cluster, instance), out _);

    /// <summary>
    /// Whether an agent's report that the master's process is stopped came after the controller's last answer from it
    /// (one that came after the report shows it continued: the report is forgotten).
    /// </summary>
    private bool StoppedSinceLastAnswer(Cluster cluster, ClusterInstance master, InstanceObservation seen)
    {
        if (!_stopped.TryGetValue((cluster.Name, master.Name), out var report)) return false;
        if (seen.LastSeen is not { } last || last.ObservedAt < report.HeardAt) return true;
        _stopped.TryRemove(new KeyValuePair<(string, string), StoppedProcessReport>((cluster.Name, master.Name), report));
        return false;
    }

    public async Task CheckAsync(Cluster cluster, CancellationToken cancellation)
    {
        await AlertIfOverdueAsync(cluster, cancellation);
        // A fenced master is a failover under way or done: its episode goes on (no second attempt) until a master answers.
        if (cluster.Master is { Fenced: true }) return;
        // Its agent's report that its process is stopped makes a master lost before any probe of it can time out.
        if (cluster.Master is not { Paused: false } master || observations.Find(cluster.Id, master.Name) is not { } seen
            || seen.Probe.Snapshot is not null && !StoppedSinceLastAnswer(cluster, master, seen))
        {
            _alerted.RemoveWhere(a => a.Cluster == cluster.Id);
            _attempted.Remove(cluster.Id);
            return;
        }
        var now = clock.GetUtcNow();
        if (_attempted.Contains(cluster.Id)) return;

        var followers = cluster.Instances
            .Where(i => i.Role is InstanceRole.Standby or InstanceRole.Replica && i.ReplicationActive && !i.Paused && !i.Fenced)
            .Select(i => observations.Find(cluster.Id, i.Name)).ToList();
        var agent = await ReadAgentAsync(cluster.Name, master.Name, cancellation);
        var verdict = MasterVerdict.Judge(cluster, seen, seen.FailingSince, agent, followers, now, options.ConfirmFor);
        var lostSince = MasterVerdict.Earliest(seen.Probe.Snapshot is null ? seen.FailingSince : null, agent.Stopped?.HeardAt);
        switch (verdict.Condition)
        {
            // While it is confirmed, its replicas are looked at every check, so that their IO threads letting go of a
            // hung master are seen when the confirming period ends rather than at the next monitor round.
            case MasterCondition.Suspected:
                monitor.ProbeSoon(cluster, cluster.Instances.Where(i => i.Name != master.Name).Select(i => i.Name), cancellation);
                break;
            // Never silently: an operation that holds the cluster (a dead one, say) keeps a dead master from failing over.
            case MasterCondition.Dead when cluster.RunningOperation is { } holder:
                await AlertOnceAsync(cluster, "withheld", new AutomaticFailoverWithheld(cluster.Id, master.Name,
                    $"operation {holder} holds the cluster (deadline {cluster.RunningOperationDeadline:O}); if it is stuck, release it: " +
                    $"POST /api/operations/{holder}/release", verdict.Evidence, now), cancellation);
                break;
            case MasterCondition.Dead when !cluster.FailoverPolicy.Automatic:
                await AlertOnceAsync(cluster, "withheld", new AutomaticFailoverWithheld(cluster.Id, master.Name,
                    "automatic failover is disabled by the cluster's policy", verdict.Evidence, now), cancellation);
                break;
            case MasterCondition.Dead when !agents.Configured:
                await AlertOnceAsync(cluster, "withheld", new AutomaticFailoverWithheld(cluster.Id, master.Name,
                    "no agent token is configured (MySqlHa:Agents:TokenFile), so no failover can be run", verdict.Evidence, now), cancellation);
                break;
            case MasterCondition.Dead when cluster.AutomaticFailoverBlockedUntil > now:
                await AlertOnceAsync(cluster, "withheld", new AutomaticFailoverWithheld(cluster.Id, master.Name,
                    $"automatic failover is blocked until {cluster.AutomaticFailoverBlockedUntil:O} after the last one; acknowledge it to unblock",
                    verdict.Evidence, now), cancellation);
                break;
            case MasterCondition.Dead:
                var (started, operation) = await starter.StartAsync(cluster, "automatic", null, verdict.Evidence, seen.LastSeen?.ObservedAt, lostSince,
                    verdict.ProcessGone, cancellation);
                if (!started) break;
                // One automatic attempt per episode: if it aborts, an operator decides (emergency switch), not a retry loop.
                _attempted.Add(cluster.Id);
                LogFailoverStarted(cluster.Name, master.Name, operation!.Value, string.Join("; ", verdict.Evidence));
                break;
            case MasterCondition.Unreachable:
                await AlertOnceAsync(cluster, "unreachable", new MasterUnreachable(cluster.Id, master.Name, verdict.Reason, verdict.Evidence, now),
                    cancellation);
                // Confirm fast: while the master is lost, its replicas are looked at every check rather than every
                // monitor round, so that their IO threads letting go of it (a hung master) are seen at once.
                monitor.ProbeSoon(cluster, verdict.StillConnected, cancellation);
                break;
        }
    }

    /// <summary>One alert per operation that still holds its cluster well past its deadline: its saga is not ending it.</summary>
    private async Task AlertIfOverdueAsync(Cluster cluster, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        if (cluster.RunningOperation is not { } operation || cluster.RunningOperationDeadline is not { } deadline || now <= deadline + OverdueMargin
            || !_overdue.Add(operation)) return;
        await clusters.AppendAsync(cluster.Id, c => c.RunningOperation == operation ? new OperationOverdue(cluster.Id, operation, deadline, now) : null,
            cancellation);
        FailoverMetrics.Alerts.WithLabels(cluster.Name, "operation_overdue").Inc();
        LogOperationOverdue(cluster.Name, operation, deadline);
    }

    private async Task AlertOnceAsync(Cluster cluster, string kind, object alert, CancellationToken cancellation)
    {
        if (!_alerted.Add((cluster.Id, kind))) return;
        await clusters.AppendAsync(cluster.Id, _ => alert, cancellation);
        FailoverMetrics.Alerts.WithLabels(cluster.Name, kind).Inc();
        LogAlert(cluster.Name, kind, JsonSerializer.Serialize(alert, alert.GetType()));
    }

    private async Task<AgentReport> ReadAgentAsync(string cluster, string instance, CancellationToken cancellation)
    {
        var registration = await etcd.Client.GetValAsync(etcd.Keys.Agent(cluster, instance), deadline: etcd.Deadline(), cancellationToken: cancellation);
        if (registration.Length == 0) return new AgentReport(false, null, null);
        var health = JsonSerializer.Deserialize<AgentRegistrationRecord>(registration, JsonSerializerOptions.Web)?.Health;
        // Its registration outlives a killed agent by up to the lease's TTL, still saying what the agent last saw: an
        // agent that nobody answers for (its host gone with mysqld, say) says nothing any more.
        if (health?.MysqldUp != false && await agents.UnreachableAsync(cluster, instance, cancellation))
            return new AgentReport(false, null, "nothing answers at its agent's address any more (its registration has not expired yet)", AddressRefuses: true);
        if (health is { ProcessStopped: true }) HeardStopped(cluster, instance, health.ObservedAt);
        else HeardNotStopped(cluster, instance);
        return new AgentReport(true, health?.MysqldUp, health?.Detail, health?.ProcessGone ?? false,
            Stopped: health is { ProcessStopped: true } && _stopped.TryGetValue((cluster, instance), out var stopped) ? stopped : null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: master {Master} is dead; failover {Operation} started ({Evidence})")]
    private partial void LogFailoverStarted(string cluster, string master, Guid operation, string evidence);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Cluster}: operation {Operation} still holds the cluster past its deadline {Deadline:O}; release it if it is stuck")]
    private partial void LogOperationOverdue(string cluster, Guid operation, DateTimeOffset deadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: master failure alert ({Kind}): {Alert}")]
    private partial void LogAlert(string cluster, string kind, string alert);
}
