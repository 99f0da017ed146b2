using Microsoft.Extensions.Logging;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Workflows.Failover;

/// <summary>
/// Keeps fenced servers harmless: one seen writable (a hung master that resumed, say) is made read-only through its
/// agent at once and its sessions ended, and the transactions it holds that the current master lacks are recorded.
/// Run by the leader only, every round.
/// </summary>
public sealed partial class FencedInstanceGuard(MonitorObservations observations, AgentClient agents, ClusterStream clusters, TimeProvider clock,
    ILogger<FencedInstanceGuard> logger)
{
    // The guard runs several times per monitor round: one probe that saw the server writable is acted on once.
    private readonly Dictionary<(Guid Cluster, string Instance), DateTimeOffset> _actedOnProbeAt = [];

    public async Task EnforceAsync(Cluster cluster, CancellationToken cancellation)
    {
        foreach (var fenced in cluster.Instances.Where(i => i.Fenced))
        {
            if (observations.Find(cluster.Id, fenced.Name)?.Probe.Snapshot is not { ReadOnly: false } writable) continue;
            if (_actedOnProbeAt.GetValueOrDefault((cluster.Id, fenced.Name)) >= writable.ObservedAt) continue;
            _actedOnProbeAt[(cluster.Id, fenced.Name)] = writable.ObservedAt;
            var attempt = $"{cluster.Id}:{fenced.Name}:refence:{clock.GetUtcNow().ToUnixTimeMilliseconds()}";
            // Fenced whatever it replicates from: a mutual pair's old master comes back replicating from its standby.
            await agents.FenceAsync(cluster.Name, fenced.Name, attempt, mutual: true, timeout: null, cancellation);
            var now = await agents.StatusAsync(cluster.Name, fenced.Name, cancellation);
            var master = cluster.Master is { } m ? observations.Find(cluster.Id, m.Name)?.LastSeen : null;
            var diverged = now is null || master is null ? "" : GtidSets.Missing(cluster.Flavor, now.GtidExecuted, master.GtidExecuted);
            await clusters.AppendAsync(cluster.Id, _ => new FencedInstanceMadeReadOnly(cluster.Id, fenced.Name, now?.GtidExecuted ?? "", diverged,
                now?.ReadOnly == true, clock.GetUtcNow()), cancellation);
            LogRefenced(cluster.Name, fenced.Name, now?.ReadOnly == true, diverged);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: fenced {Instance} was writable; made read-only: {Confirmed}; diverged GTIDs: {Diverged}")]
    private partial void LogRefenced(string cluster, string instance, bool confirmed, string diverged);
}
