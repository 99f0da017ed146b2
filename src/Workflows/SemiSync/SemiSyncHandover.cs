using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.SemiSync;

/// <summary>The settings a switch gives its new master, and the forced fallback to record when they are not the configured ones.</summary>
public sealed record SemiSyncHandoverPlan(SemiSyncSettings NewMasterSettings, SemiSyncFallbackForced? Forced);

/// <summary>
/// Decides how the new master of a switch waits for acknowledgements. Configured never to fall back, it would wait for
/// ever when no follower is left to acknowledge: a failover with the other replicas dead, or a cluster of two. Then it
/// gets <see cref="ForcedTimeout"/> instead, and the fallback is recorded. Pure: the record, the followers' probes and
/// the new master's set in, a plan out.
/// </summary>
public static class SemiSyncHandover
{
    /// <summary>
    /// The bounded timeout a forced fallback sets: the API's default timeout. A commit waits this long once, then the
    /// master runs asynchronously until a replica connects and catches up (and semi-sync resumes by itself).
    /// </summary>
    public static readonly TimeSpan ForcedTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The followers that can acknowledge the new master once the switch is done: registered, in service (not fenced,
    /// not paused), not the failed master (in a failover it is not among the <paramref name="demoted"/>), and
    /// replicating under our control or about to (the demoted old master of a switchover).
    /// </summary>
    public static IReadOnlyList<ClusterInstance> ProspectiveAcknowledgers(Cluster cluster, string newMaster, IReadOnlyList<string> demoted) =>
        cluster.Instances.Where(i => i.Name != newMaster && i.Role != InstanceRole.Unregistered && !i.Fenced && !i.Paused
                                     && (demoted.Contains(i.Name) || (i.Role != InstanceRole.Master && i.ReplicationActive)))
            .ToList();

    /// <param name="probes">The latest probe of each prospective acknowledger, by name.</param>
    /// <param name="newMasterGtid">The new master's executed set: a follower holding more is isolated by the switch, not repointed.</param>
    public static SemiSyncHandoverPlan Decide(Cluster cluster, string newMaster, IReadOnlyList<string> demoted,
        IReadOnlyDictionary<string, ProbeResult> probes, string? newMasterGtid, DateTimeOffset now)
    {
        var configured = cluster.SemiSync;
        if (cluster.SemiSyncHealth.Forced is { } forced)
            // A forced fallback holds until an operator configures semi-sync again, across later switches.
            return new(configured with { Timeout = TimeSpan.FromMilliseconds(forced.TimeoutMilliseconds) }, null);
        if (!configured.Enabled || configured.FallsBack) return new(configured, null);

        var reasons = new List<string>();
        var acknowledgers = 0;
        foreach (var follower in ProspectiveAcknowledgers(cluster, newMaster, demoted))
        {
            var why = probes.GetValueOrDefault(follower.Name) switch
            {
                null or { Snapshot: null } => "unreachable",
                { Snapshot.SemiSync: null } => "has no semi-sync plugin",
                { Snapshot.SemiSync.ReplicaEnabled: false } when !demoted.Contains(follower.Name) =>
                    "does not acknowledge (semi-sync is off on it: restarted?)",
                { Snapshot: { } seen } when newMasterGtid is not null && !demoted.Contains(follower.Name)
                                            && GtidSets.Missing(cluster.Flavor, seen.GtidExecuted, newMasterGtid) is { Length: > 0 } ahead =>
                    $"holds transactions the new master lacks ({ahead}) and will not be repointed",
                _ => null,
            };
            if (why is null) acknowledgers++;
            else reasons.Add($"{follower.Name} {why}");
        }
        if (acknowledgers > 0) return new(configured, null);

        var reason = reasons.Count == 0
            ? $"no follower is left to acknowledge {newMaster}'s commits"
            : $"no follower is left to acknowledge {newMaster}'s commits: {string.Join("; ", reasons)}";
        return new(configured with { Timeout = ForcedTimeout },
            new SemiSyncFallbackForced(cluster.Id, cluster.RunningOperation, newMaster, (long)ForcedTimeout.TotalMilliseconds, reason, now));
    }
}
