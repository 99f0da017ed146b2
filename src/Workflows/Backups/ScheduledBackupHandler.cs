using Marten;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Backups;

/// <summary>A scheduled backup fell due: it starts (or its skipping is recorded with the reason), and the next one is scheduled.</summary>
public static class ScheduledBackupHandler
{
    public static async Task<object?> Handle(ScheduledBackupDue due, IDocumentSession session, BackupStarter starter,
        ClusterStream clusters, TimeProvider clock, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(due.ClusterId, cancellation) is not { } cluster || cluster.BackupPolicySetAt != due.PolicySetAt)
            return null;
        var start = await starter.StartAsync(cluster.Id, null, allowMaster: false, null, "scheduled", BackupScheduling.ScheduledDeadline, cancellation);
        if (start.BackupId is null)
            await clusters.AppendAsync(cluster.Id, _ => new ScheduledBackupSkipped(cluster.Id, due.DueAt, start.Refusal ?? "the backup did not start",
                clock.GetUtcNow()), cancellation);
        return BackupScheduling.Next(cluster.Id, cluster.BackupPolicy, due.PolicySetAt, Max(clock.GetUtcNow(), due.DueAt)) is { } next ? next.ScheduledAt(next.DueAt) : null;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
