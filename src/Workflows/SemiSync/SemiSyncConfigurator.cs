using Marten;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.SemiSync;

/// <summary>
/// Sets semi-synchronous replication on every registered server of a cluster (fenced ones aside: they are out of
/// service), the master waiting and the others acknowledging, through each server's agent, and records what each
/// server did; moves the roles after a switch. SET GLOBAL does not survive a restart on MariaDB: a restarted server
/// runs asynchronously until the setting is applied again (or put in its configuration file).
/// </summary>
public sealed class SemiSyncConfigurator(IDocumentStore store, AgentClient agents, IServerProbe probe, ClusterStream clusters,
    TimeProvider clock)
{
    /// <summary>False when no agent token is configured: semi-sync cannot be changed on any server.</summary>
    public bool Available => agents.Configured;

    public async Task<(Cluster? Cluster, SemiSyncConfigured? Recorded)> ApplyAsync(Guid clusterId, SemiSyncSettings settings, CancellationToken cancellation)
    {
        Cluster? cluster;
        await using (var session = store.QuerySession())
            cluster = await session.LoadAsync<Cluster>(clusterId, cancellation);
        if (cluster is null) return (null, null);

        var servers = cluster.Instances.Where(i => i.Role != InstanceRole.Unregistered && !i.Fenced).ToList();
        // Decided on this version of the record: a retry before anything is recorded finds the same command ids.
        var scope = $"{cluster.Id}@{cluster.Version}";
        var outcomes = await Task.WhenAll(servers.Select(async instance =>
        {
            var answer = await ConfigureAsync(cluster, scope, instance.Name, settings, instance.Role == InstanceRole.Master, cancellation);
            return answer.Succeeded
                ? (instance.Name, Applied: true, Detail: answer.GtidExecuted ?? "")
                : (instance.Name, Applied: false, Detail: answer.Failure ?? "the agent did not say why");
        }));
        var recorded = new SemiSyncConfigured(clusterId, settings.Enabled, "AFTER_SYNC", (long)settings.Timeout.TotalMilliseconds, settings.FallsBack,
            outcomes.Where(o => o.Applied).ToDictionary(o => o.Name, o => o.Detail),
            outcomes.Where(o => !o.Applied).ToDictionary(o => o.Name, o => o.Detail), clock.GetUtcNow());
        var changed = await clusters.AppendAsync(clusterId, _ => recorded, cancellation);
        return (changed, recorded);
    }

    /// <summary>
    /// After a switch, when the cluster uses semi-sync: the <paramref name="demoted"/> servers stop waiting for
    /// acknowledgements and give them, then <paramref name="newMaster"/> waits for them. Configured never to fall back
    /// with no follower left to acknowledge, the new master gets a bounded timeout instead (see SemiSyncHandover),
    /// recorded once as SemiSyncFallbackForced. Answers what could not be done or needs a person, for the operation's
    /// needs-attention list (a dead old master, a forced fallback).
    /// </summary>
    public async Task<IReadOnlyList<string>> MoveRolesAsync(Cluster cluster, Guid operationId, string newMaster, IReadOnlyList<string> demoted,
        CancellationToken cancellation)
    {
        if (!cluster.SemiSync.Enabled) return [];
        var problems = new List<string>();
        var scope = operationId.ToString();
        foreach (var name in demoted)
        {
            var demotedAnswer = await ConfigureAsync(cluster, scope, name, cluster.SemiSync, asMaster: false, cancellation);
            if (!demotedAnswer.Succeeded) problems.Add($"semi-sync not moved on {name}: {demotedAnswer.Failure}");
        }

        var plan = await PlanHandoverAsync(cluster, newMaster, demoted, cancellation);
        var answer = await ConfigureAsync(cluster, scope, newMaster, plan.NewMasterSettings, asMaster: true, cancellation);
        if (!answer.Succeeded)
        {
            problems.Add($"semi-sync not moved on {newMaster}: {answer.Failure}");
            return problems;
        }
        // A replayed step finds its forced fallback recorded already: it appends nothing, and reports it again.
        var forced = plan.Forced ?? (cluster.SemiSyncHealth.Forced is { } f && f.Instance == newMaster
            ? new SemiSyncFallbackForced(cluster.Id, cluster.RunningOperation, f.Instance, f.TimeoutMilliseconds, f.Reason, f.Since)
            : null);
        if (forced is null) return problems;
        if (plan.Forced is not null) await RecordForcedAsync(cluster, forced, cancellation);
        problems.Add(ForcedAttention(forced));
        return problems;
    }

    /// <summary>
    /// After a switch in which no follower came to replicate from <paramref name="newMaster"/> (every repoint failed,
    /// or the switch was interrupted before it repointed them): a new master configured never to fall back would hold
    /// its writers for ever, so its wait is bounded as at promotion, and the fallback recorded. Answers the line for
    /// the operation's needs-attention list, or null when nothing had to change.
    /// </summary>
    public async Task<string?> BoundWaitWithoutFollowersAsync(Cluster cluster, Guid operationId, string newMaster, string reason,
        CancellationToken cancellation)
    {
        if (!cluster.SemiSync.Enabled || cluster.SemiSync.FallsBack || cluster.SemiSyncHealth.Forced is not null) return null;
        var bounded = cluster.SemiSync with { Timeout = SemiSyncHandover.ForcedTimeout };
        var answer = await ConfigureAsync(cluster, operationId.ToString(), newMaster, bounded, asMaster: true, cancellation);
        if (!answer.Succeeded)
            return $"semi-sync on {newMaster} still never falls back, with no follower to acknowledge ({reason}): {answer.Failure}";
        var forced = new SemiSyncFallbackForced(cluster.Id, operationId, newMaster, (long)SemiSyncHandover.ForcedTimeout.TotalMilliseconds, reason,
            clock.GetUtcNow());
        await RecordForcedAsync(cluster, forced, cancellation);
        return ForcedAttention(forced);
    }

    /// <summary>Once per new master: a replayed step finds it recorded and appends nothing.</summary>
    private async Task RecordForcedAsync(Cluster cluster, SemiSyncFallbackForced forced, CancellationToken cancellation)
    {
        var after = await clusters.AppendAsync(cluster.Id, c => c.SemiSyncHealth.Forced?.Instance == forced.Instance ? null : forced, cancellation);
        if (after?.SemiSyncHealth.Forced?.Since == forced.ForcedAt)
            SemiSyncMetrics.Transitions.WithLabels(cluster.Name, SemiSyncMetrics.Kind(forced)).Inc();
    }

    private static string ForcedAttention(SemiSyncFallbackForced forced) =>
        $"semi-sync on {forced.Instance} falls back to asynchronous after {forced.TimeoutMilliseconds} ms instead of never: {forced.Reason}; " +
        "configure semi-sync again (PUT .../semi-sync) once a replica acknowledges";

    /// <summary>
    /// Through the instance's agent. The command id is the <paramref name="scope"/> the change was decided in (the
    /// record's version, or the operation) with the instance and the settings: a retry of the same change is answered
    /// from the agent's journal, and another setting decided in the same scope (a replayed switch step that now forces
    /// a fallback, say) is a command of its own.
    /// </summary>
    private Task<AgentAnswer<NoDetail>> ConfigureAsync(Cluster cluster, string scope, string instance, SemiSyncSettings settings, bool asMaster,
        CancellationToken cancellation)
    {
        var setting = settings.Enabled ? $"{(asMaster ? "master" : "replica")}:{(long)settings.Timeout.TotalMilliseconds}ms" : "off";
        return agents.ConfigureSemiSyncAsync(cluster.Name, instance, $"{scope}:{instance}:semi-sync:{setting}", settings, asMaster, cancellation);
    }

    private async Task<SemiSyncHandoverPlan> PlanHandoverAsync(Cluster cluster, string newMaster, IReadOnlyList<string> demoted,
        CancellationToken cancellation)
    {
        // Only a master that would never fall back needs the followers probed (at most the probe timeout, concurrently).
        if (cluster.SemiSync.FallsBack || cluster.SemiSyncHealth.Forced is not null)
            return SemiSyncHandover.Decide(cluster, newMaster, demoted, new Dictionary<string, ProbeResult>(), null, clock.GetUtcNow());
        var followers = SemiSyncHandover.ProspectiveAcknowledgers(cluster, newMaster, demoted);
        var probes = await Task.WhenAll(followers.Append(cluster.Find(newMaster)!)
            .Select(async i => (i.Name, Result: await probe.ReadAsync(i.Endpoint, cluster.AdminCredentials, cancellation))));
        var byName = probes.ToDictionary(p => p.Name, p => p.Result);
        return SemiSyncHandover.Decide(cluster, newMaster, demoted, byName, byName[newMaster].Snapshot?.GtidExecuted, clock.GetUtcNow());
    }
}
