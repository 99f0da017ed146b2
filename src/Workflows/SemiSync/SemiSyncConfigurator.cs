using Marten;
using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.SemiSync;

/// <summary>
/// Sets semi-synchronous replication on every registered server of a cluster (fenced ones aside: they are out of
/// service), the master waiting and the others acknowledging, and records what each server did; moves the roles
/// after a switch. SET GLOBAL does not survive a restart on MariaDB: a restarted server
/// runs asynchronously until the setting is applied again (or put in its configuration file).
/// </summary>
public sealed class SemiSyncConfigurator(IDocumentStore store, IReplicationCommands commands, ClusterStream clusters, TimeProvider clock)
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
    /// acknowledgements and give them, then <paramref name="newMaster"/> waits for them. Answers what could not be
    /// done, for the operation's needs-attention list (a dead old master, say).
    /// </summary>
    public async Task<IReadOnlyList<string>> MoveRolesAsync(Cluster cluster, string newMaster, IReadOnlyList<string> demoted,
        CancellationToken cancellation)
    {
        if (!cluster.SemiSync.Enabled) return [];
        var problems = new List<string>();
        foreach (var (name, asMaster) in demoted.Select(d => (d, false)).Append((newMaster, true)))
        {
            try
            {
                await commands.ConfigureSemiSyncAsync(cluster.Find(name)!.Endpoint, cluster.AdminCredentials, cluster.SemiSync, asMaster, cancellation);
            }
            catch (ReplicationCommandException e)
            {
                problems.Add($"semi-sync not moved on {name}: {e.Message}");
            }
        }
        return problems;
    }
}
