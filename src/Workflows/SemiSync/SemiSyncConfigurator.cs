using Marten;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.SemiSync;

/// <summary>
/// Sets semi-synchronous replication on every registered server of a cluster (fenced ones aside: they are out of
/// service), the master waiting and the others acknowledging, and records what each server did; moves the roles
/// after a switch. SET GLOBAL does not survive a restart on MariaDB: a restarted server
/// runs asynchronously until the setting is applied again (or put in its configuration file).
/// </summary>
public sealed class SemiSyncConfigurator(IDocumentStore store, IReplicationCommands commands, IServerProbe probe, ClusterStream clusters,
    TimeProvider clock)
{
    public async Task<(Cluster? Cluster, SemiSyncConfigured? Recorded)> ApplyAsync(Guid clusterId, SemiSyncSettings settings, CancellationToken cancellation)
    {
        Cluster? cluster;
        await using (var session = store.QuerySession())
            cluster = await session.LoadAsync<Cluster>(clusterId, cancellation);
        if (cluster is null) return (null, null);

        var servers = cluster.Instances.Where(i => i.Role != InstanceRole.Unregistered && !i.Fenced).ToList();
        var outcomes = await Task.WhenAll(servers.Select(async instance =>
        {
            try
            {
                var outcome = await commands.ConfigureSemiSyncAsync(instance.Endpoint, cluster.AdminCredentials, settings,
                    instance.Role == InstanceRole.Master, cancellation);
                return (instance.Name, Applied: true, Detail: outcome.GtidExecuted);
            }
            catch (ReplicationCommandException e)
            {
                return (instance.Name, Applied: false, Detail: e.Message);
            }
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
    public async Task<IReadOnlyList<string>> MoveRolesAsync(Cluster cluster, string newMaster, IReadOnlyList<string> demoted,
        CancellationToken cancellation)
    {
        if (!cluster.SemiSync.Enabled) return [];
        var problems = new List<string>();
        foreach (var name in demoted)
        {
            try
            {
                await commands.ConfigureSemiSyncAsync(cluster.Find(name)!.Endpoint, cluster.AdminCredentials, cluster.SemiSync, false, cancellation);
            }
            catch (ReplicationCommandException e)
            {
                problems.Add($"semi-sync not moved on {name}: {e.Message}");
            }
        }

        var plan = await PlanHandoverAsync(cluster, newMaster, demoted, cancellation);
        try
        {
            await commands.ConfigureSemiSyncAsync(cluster.Find(newMaster)!.Endpoint, cluster.AdminCredentials, plan.NewMasterSettings, true, cancellation);
        }
        catch (ReplicationCommandException e)
        {
            problems.Add($"semi-sync not moved on {newMaster}: {e.Message}");
            return problems;
        }
        // A replayed step finds its forced fallback recorded already: it appends nothing, and reports it again.
        var forced = plan.Forced ?? (cluster.SemiSyncHealth.Forced is { } f && f.Instance == newMaster
            ? new SemiSyncFallbackForced(cluster.Id, cluster.RunningOperation, f.Instance, f.TimeoutMilliseconds, f.Reason, f.Since)
            : null);
        if (forced is null) return problems;
        if (plan.Forced is not null)
        {
            var after = await clusters.AppendAsync(cluster.Id, c => c.SemiSyncHealth.Forced?.Instance == newMaster ? null : forced, cancellation);
            if (after?.SemiSyncHealth.Forced?.Since == forced.ForcedAt)
                SemiSyncMetrics.Transitions.WithLabels(cluster.Name, SemiSyncMetrics.Kind(forced)).Inc();
        }
        problems.Add($"semi-sync on {newMaster} falls back to asynchronous after {forced.TimeoutMilliseconds} ms instead of never: {forced.Reason}; " +
                     "configure semi-sync again (PUT .../semi-sync) once a replica acknowledges");
        return problems;
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
