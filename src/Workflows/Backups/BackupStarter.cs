using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Actors;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Backups;

/// <summary>Whether a backup started: its id and instance, or why not (a refusal, or the backup already running).</summary>
public sealed record BackupStart(Guid? BackupId, string? Instance, string? Refusal, Guid? RunningBackup, bool ClusterFound = true);

/// <summary>
/// Takes the cluster's backup slot for a new backup on the freshest record (one backup at a time per cluster; a
/// switchover or failover is never in its way) and starts its saga; never leaves the slot held by a saga that did not start.
/// </summary>
public sealed class BackupStarter(ClusterStream clusters, IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task<BackupStart> StartAsync(Guid clusterId, string? instance, bool allowMaster, BackupCompression? compression, string trigger,
        TimeSpan deadline, CancellationToken cancellation)
    {
        var backupId = Guid.CreateVersion7();
        BackupStart refused = new(null, null, null, null);
        var chosen = "";
        var cluster = await clusters.AppendAsync(clusterId, c =>
        {
            if (c.RunningBackup is { } running)
            {
                refused = new(null, null, $"Backup {running} is running on '{c.Name}'; one backup runs at a time.", running);
                return null;
            }
            var choice = BackupSource.Choose(c, instance, allowMaster);
            if (choice.Refusal is { } refusal)
            {
                refused = new(null, null, refusal, null);
                return null;
            }
            chosen = choice.Instance!;
            return new ClusterBackupStarted(clusterId, backupId, chosen, clock.GetUtcNow());
        }, cancellation);
        if (cluster is null) return new(null, null, null, null, ClusterFound: false);
        if (cluster.RunningBackup != backupId) return refused;

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageContext>();
            bus.UserName = CurrentActor.Name;
            await bus.InvokeAsync(new StartBackup(backupId, clusterId, cluster.Name, chosen, trigger, compression ?? cluster.BackupPolicy.Compression,
                deadline), cancellation);
        }
        catch
        {
            await clusters.AppendAsync(clusterId, c => c.RunningBackup == backupId
                ? new ClusterBackupEnded(clusterId, backupId, "not started", clock.GetUtcNow()) : null, CancellationToken.None);
            throw;
        }
        return new(backupId, chosen, null, null);
    }
}
