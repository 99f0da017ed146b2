using Marten;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// Keeps the cluster's newest completed backups (BackupPolicy.Keep) and deletes the files of older ones from the
/// repository, each deletion recorded on the backup's stream; then has the binlog archive pruned up to the oldest
/// backup kept (see <see cref="BinlogArchiveRetentionHandler"/>), unless none is. Runs after every completed backup,
/// and when the policy changes.
/// </summary>
public static class BackupRetentionHandler
{
    public static async Task<PruneBinlogArchive?> Handle(ApplyBackupRetention apply, IDocumentSession session, BackupStorage storage, TimeProvider clock,
        CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(apply.ClusterId, cancellation) is not { } cluster || storage.Repository is not { } repository) return null;
        var keep = cluster.BackupPolicy.Keep;
        var completed = await session.Query<BackupRecord>()
            .Where(b => b.ClusterId == cluster.Id && b.State == BackupRecord.Completed)
            .OrderByDescending(b => b.EndedAt).ToListAsync(cancellation);
        foreach (var old in completed.Skip(keep))
        {
            var keys = new[] { old.Manifest!.ArtifactKey, BackupKeys.Manifest(cluster.Name, old.Id) };
            foreach (var key in keys) await repository.DeleteAsync(key, cancellation);
            session.Events.Append(old.Id, new BackupDeleted(old.Id, cluster.Id, $"the retention policy keeps the newest {keep} backup(s)", keys,
                clock.GetUtcNow()));
            BackupMetrics.BackupsDeleted.WithLabels(cluster.Name).Inc();
        }
        // The archive must reach back to the oldest backup kept; with no backup kept, nothing of it goes.
        return completed.Take(keep).LastOrDefault() is { Manifest: { } oldest } kept
            ? new PruneBinlogArchive(Guid.NewGuid(), cluster.Id, cluster.Name, kept.Id, oldest.GtidExecuted)
            : null;
    }
}
