using Marten;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// Keeps the cluster's newest completed backups (BackupPolicy.Keep) and deletes the files of older ones from the
/// repository, each deletion recorded on the backup's stream. Runs after every completed backup, and when the
/// policy changes.
/// </summary>
public static class BackupRetentionHandler
{
    public static async Task Handle(ApplyBackupRetention apply, IDocumentSession session, BackupStorage storage, TimeProvider clock,
        CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(apply.ClusterId, cancellation) is not { } cluster || storage.Repository is not { } repository) return;
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
    }
}
