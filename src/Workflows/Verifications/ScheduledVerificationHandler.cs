using Marten;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Verifications;

/// <summary>A scheduled verification fell due: the newest completed backup is verified (or the skip recorded with the reason), and the next one is scheduled.</summary>
public static class ScheduledVerificationHandler
{
    public static async Task<object?> Handle(ScheduledVerificationDue due, IDocumentSession session, VerificationStarter starter,
        ClusterStream clusters, TimeProvider clock, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(due.ClusterId, cancellation) is not { } cluster || cluster.BackupPolicySetAt != due.PolicySetAt)
            return null;
        var start = await starter.StartAsync(cluster.Id, null, "scheduled", VerificationScheduling.ScheduledDeadline, cancellation);
        if (start.VerificationId is null)
            await clusters.AppendAsync(cluster.Id, _ => new ScheduledVerificationSkipped(cluster.Id, due.DueAt, start.Refusal ?? "the verification did not start",
                clock.GetUtcNow()), cancellation);
        var after = clock.GetUtcNow() > due.DueAt ? clock.GetUtcNow() : due.DueAt;
        return VerificationScheduling.Next(cluster.Id, cluster.BackupPolicy, due.PolicySetAt, after) is { } next ? next.ScheduledAt(next.DueAt) : null;
    }
}
