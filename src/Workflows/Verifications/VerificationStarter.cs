using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Workflows.Actors;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Verifications;

/// <summary>Whether a verification started: its id, backup and instance, or the HTTP status (404, 409) and reason it did not.</summary>
public sealed record VerificationStart(Guid? VerificationId, Guid? BackupId, string? Instance, int Status, string? Refusal, Guid? RunningVerification = null);

/// <summary>
/// Starts the verification of a completed backup (the one named, else the cluster's newest): records its start on the
/// backup's stream, expecting the version read, so that two verifications of one backup cannot both start, and starts
/// its saga; never leaves a backup shown as being verified by a saga that did not start.
/// </summary>
public sealed class VerificationStarter(IDocumentStore store, IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task<VerificationStart> StartAsync(Guid clusterId, Guid? backupId, string trigger, TimeSpan deadline, CancellationToken cancellation)
    {
        await using var session = store.ActorSession();
        if (await session.LoadAsync<Cluster>(clusterId, cancellation) is not { } cluster)
            return Refused(404, $"No cluster has id {clusterId}.");
        var chosen = backupId is { } id ? await session.LoadAsync<BackupRecord>(id, cancellation)
            : await session.Query<BackupRecord>().Where(b => b.ClusterId == clusterId && b.State == BackupRecord.Completed)
                .OrderByDescending(b => b.EndedAt).FirstOrDefaultAsync(cancellation);
        if (chosen is null || chosen.ClusterId != clusterId)
            return Refused(404,
                backupId is null ? $"'{cluster.Name}' has no completed backup to verify." : $"Cluster {clusterId} has no backup {backupId}.");

        var stream = await session.Events.FetchForWriting<BackupRecord>(chosen.Id, cancellation);
        var backup = stream.Aggregate!;
        if (backup.State != BackupRecord.Completed)
            return Refused(409, $"Backup {backup.Id} is {backup.State}; only a completed backup can be verified.");
        if (backup.LastVerification is { State: BackupVerificationResult.Running } running)
            return Refused(409, $"Verification {running.VerificationId} of backup {backup.Id} is running.", running.VerificationId);
        if (VerificationSource.Choose(cluster) is not { } instance)
            return Refused(409,
                $"No replica or standby of '{cluster.Name}' is OK to verify on (the master verifies only when it is the only instance).");

        var verificationId = Guid.CreateVersion7();
        stream.AppendOne(new BackupVerificationStarted(verificationId, backup.Id, clusterId, instance, trigger, clock.GetUtcNow()));
        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (ConcurrencyException)
        {
            return Refused(409, $"Backup {backup.Id} changed while the verification was starting (another verification?); try again.");
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageContext>();
            bus.UserName = CurrentActor.Name;
            await bus.InvokeAsync(new StartVerification(verificationId, clusterId, cluster.Name, instance, backup.Manifest!, deadline), cancellation);
        }
        catch
        {
            await using var undo = store.ActorSession();
            undo.Events.Append(backup.Id, new BackupVerificationFailed(verificationId, backup.Id, clusterId, "the verification did not start", clock.GetUtcNow()));
            await undo.SaveChangesAsync(CancellationToken.None);
            throw;
        }
        return new VerificationStart(verificationId, backup.Id, instance, 202, null);
    }

    private static VerificationStart Refused(int status, string reason, Guid? running = null) => new(null, null, null, status, reason, running);
}
