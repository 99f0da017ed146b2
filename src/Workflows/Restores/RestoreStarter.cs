using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Actors;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Restores;

/// <summary>
/// Whether a restore started: its id and backup, or why not. <paramref name="Status"/> is the HTTP status of a
/// refusal: 404 for an unknown cluster or backup, 409 for a state that forbids it, 502/503 when the agent could not say.
/// </summary>
public sealed record RestoreStart(Guid? RestoreId, Guid? BackupId, string? Refusal, int Status);

/// <summary>
/// Starts a restore: the backup (the one named, or the cluster's newest completed), the instance taken for it on the
/// freshest record, then the agent asked at once, so that a data folder that is not empty or a server still running
/// is refused to the caller with nothing started; only then the saga, which follows the same job.
/// </summary>
public sealed class RestoreStarter(IDocumentStore store, ClusterStream clusters, AgentClient agents, BackupStorage storage, IServiceScopeFactory scopes,
    TimeProvider clock)
{
    /// <param name="heldBy">
    /// The operation (a rejoin rebuilding its instance) that holds the instance's recovery slot and hands it to this
    /// restore: the restore takes the slot over in the same append that would otherwise find it taken.
    /// </param>
    public async Task<RestoreStart> StartAsync(Guid clusterId, string instance, Guid? backupId, string mode, RestoreTarget target, TimeSpan deadline,
        CancellationToken cancellation, Guid? heldBy = null)
    {
        await using var query = store.QuerySession();
        var backup = backupId is { } named
            ? await query.LoadAsync<BackupRecord>(named, cancellation)
            : (await query.Query<BackupRecord>().Where(b => b.ClusterId == clusterId && b.State == BackupRecord.Completed)
                .OrderByDescending(b => b.EndedAt).ToListAsync(cancellation)).FirstOrDefault(b => Precedes(b.Manifest!, target));
        if (backupId is not null && (backup is null || backup.ClusterId != clusterId))
            return new(null, null, $"The cluster has no backup {backupId}.", 404);
        if (backup is null) return new(null, null, $"The cluster has no completed backup from before the target ({target}).", 409);
        if (backup.State != BackupRecord.Completed || backup.Manifest is not { } manifest)
            return new(null, backup.Id, $"Backup {backup.Id} is {backup.State}; only a completed backup can be restored.", 409);
        var index = target.ReplaysBinlogs ? await BinlogArchiveIndexes.ReadAsync(storage.Required(), backup.Cluster, cancellation) : BinlogArchiveIndex.Empty;
        var replay = ReplayPlan.Decide(manifest.GtidExecuted, manifest.EndedAt, target, index);
        if (replay.Refusal is { } unreachable) return new(null, backup.Id, unreachable, 409);
        foreach (var key in replay.BinlogKeys)
            if (await storage.Required().DescribeAsync(key, cancellation) is null)
                return new(null, backup.Id, $"The binlog archive's index names {key}, which the repository no longer holds: a range of binlogs is missing.", 409);

        var restoreId = Guid.CreateVersion7();
        string? refusal = null;
        var cluster = await clusters.AppendAsync(clusterId, c =>
        {
            refusal = Refusal(c, instance, heldBy);
            return refusal is null ? new InstanceRestoreStarted(clusterId, restoreId, instance, clock.GetUtcNow()) : null;
        }, cancellation);
        if (cluster is null) return new(null, null, $"No cluster has the id {clusterId}.", 404);
        if (refusal is not null) return new(null, backup.Id, refusal, 409);

        var start = new StartRestore(restoreId, clusterId, cluster.Name, instance, mode, manifest, target, replay, deadline);
        var first = await agents.StartRestoreJobAsync(cluster.Name, instance,
            new RestoreBackupRequest(Restore.JobIdOf(restoreId), manifest.ArtifactKey, manifest.Compression, manifest.Sha256), cancellation);
        if (!first.Succeeded)
        {
            await FreeAsync(clusterId, restoreId, instance, "refused");
            return new(null, backup.Id, first.Failure, first.Unreachable ? 503 : first.Status is >= 400 and < 500 ? 409 : 502);
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageContext>();
            bus.UserName = CurrentActor.Name;
            await bus.InvokeAsync(start, cancellation);
        }
        catch
        {
            await agents.CancelJobAsync(cluster.Name, instance, Restore.JobIdOf(restoreId), CancellationToken.None);
            await FreeAsync(clusterId, restoreId, instance, "not started");
            throw;
        }
        return new(restoreId, backup.Id, null, 202);
    }

    /// <summary>Whether the backup's point comes before the target, so that the target is reached by replaying binlogs after it.</summary>
    private static bool Precedes(BackupManifest backup, RestoreTarget target) => target.Kind switch
    {
        RestoreTarget.Timestamp => backup.EndedAt <= target.Time,
        RestoreTarget.Position => GtidPrecedes(backup.GtidExecuted, target.Gtid!),
        _ => true,
    };

    private static bool GtidPrecedes(string backup, string target)
    {
        try
        {
            var goal = ArchiveCoverage.Positions(target);
            return ArchiveCoverage.Positions(backup).All(b => !goal.TryGetValue(b.Key, out var wanted) || b.Value <= wanted);
        }
        catch (FormatException)
        {
            // Not a position: the plan refuses it, naming the problem.
            return true;
        }
    }

    /// <summary>A restore overwrites nothing: it goes only into an unregistered instance that no other restore is filling.</summary>
    private static string? Refusal(Cluster cluster, string instance, Guid? heldBy)
    {
        if (cluster.Find(instance) is not { } target) return $"'{instance}' is not an instance of '{cluster.Name}'.";
        if (cluster.RunningRestores.TryGetValue(instance, out var running) && running != heldBy) return $"Restore {running} is running into '{instance}'.";
        if (target.Role != InstanceRole.Unregistered)
            return $"'{instance}' is registered as {target.Role.ToString().ToLowerInvariant()}; a restore goes only into an unregistered instance " +
                   "(stop its server, empty its data folder and unregister it first).";
        return null;
    }

    private Task FreeAsync(Guid clusterId, Guid restoreId, string instance, string outcome) =>
        clusters.AppendAsync(clusterId, c => c.RunningRestores.GetValueOrDefault(instance) == restoreId
            ? new InstanceRestoreEnded(clusterId, restoreId, instance, outcome, clock.GetUtcNow()) : null, CancellationToken.None);
}
