using Microsoft.Extensions.Logging;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Workflows.Failover;

/// <summary>
/// The one-writer invariant, checked by the leader every round on what the monitor saw: at most one registered server
/// of a cluster writable, and never a follower. A violation is recorded once per episode (an event, a metric, a
/// critical log line), and a writable follower is made read-only through its agent (fenced servers are the
/// <see cref="FencedInstanceGuard"/>'s). Clusters held by an operation are left alone: mid-switch the new master
/// is writable before the records name it.
/// </summary>
public sealed partial class WritableInvariantWatch(MonitorObservations observations, AgentClient agents, ClusterStream clusters, TimeProvider clock,
    ILogger<WritableInvariantWatch> logger)
{
    private readonly HashSet<(Guid Cluster, string Violation)> _ongoing = [];
    private readonly Dictionary<(Guid Cluster, string Instance), DateTimeOffset> _actedOnProbeAt = [];

    public async Task CheckAsync(Cluster cluster, CancellationToken cancellation)
    {
        if (cluster.RunningOperation is not null) return;
        var writable = cluster.Instances
            .Where(i => i.Role != InstanceRole.Unregistered && !i.Fenced)
            .Select(i => (Instance: i, Seen: observations.Find(cluster.Id, i.Name)))
            // A probe begun before the last change of the instance describes the state that change replaced.
            .Where(x => x.Seen is { Probe.Snapshot.ReadOnly: false } seen && seen.ClusterVersion >= x.Instance.ChangedAtVersion)
            .ToList();
        var violations = new List<(string Key, WritableInvariantViolated Event)>();
        var now = clock.GetUtcNow();
        var names = writable.Select(w => w.Instance.Name).ToList();
        if (writable.Count > 1)
            violations.Add(("several", new WritableInvariantViolated(cluster.Id, "several-writable", null, names, false, now)));
        foreach (var (follower, seen) in writable.Where(w => w.Instance.Role is InstanceRole.Standby or InstanceRole.Replica))
        {
            var madeReadOnly = await MakeReadOnlyAsync(cluster, follower.Name, seen!.Probe.Snapshot!.ObservedAt, cancellation);
            violations.Add(($"follower:{follower.Name}", new WritableInvariantViolated(cluster.Id, "follower-writable", follower.Name, names, madeReadOnly, now)));
        }

        _ongoing.RemoveWhere(o => o.Cluster == cluster.Id && violations.All(v => v.Key != o.Violation));
        foreach (var (key, violation) in violations.Where(v => _ongoing.Add((cluster.Id, v.Key))))
        {
            await clusters.AppendAsync(cluster.Id, _ => violation, cancellation);
            FailoverMetrics.InvariantViolations.WithLabels(cluster.Name, violation.Kind).Inc();
            LogViolation(cluster.Name, violation.Kind, violation.Instance, string.Join(", ", violation.Writable), violation.MadeReadOnly);
        }
    }

    /// <summary>Once per probe that saw the follower writable; answers whether the agent confirmed read_only.</summary>
    private async Task<bool> MakeReadOnlyAsync(Cluster cluster, string follower, DateTimeOffset probedAt, CancellationToken cancellation)
    {
        if (_actedOnProbeAt.GetValueOrDefault((cluster.Id, follower)) >= probedAt) return false;
        _actedOnProbeAt[(cluster.Id, follower)] = probedAt;
        // "mutual" lets the command through on a server that replicates, as a follower does.
        var answer = await agents.SetReadOnlyAsync(cluster.Name, follower, $"{cluster.Id}:{follower}:invariant:{probedAt.ToUnixTimeMilliseconds()}",
            mutual: true, cancellation);
        return answer.Succeeded && answer.ReadOnly == true;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Cluster}: one-writer invariant violated ({Kind}, {Instance}); writable: {Writable}; made read-only: {MadeReadOnly}")]
    private partial void LogViolation(string cluster, string kind, string? instance, string writable, bool madeReadOnly);
}
