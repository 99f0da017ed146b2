using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.Security;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Verifications;
using Wolverine;

namespace MySqlHa.Api.Backups;

/// <summary>
/// <paramref name="Keep"/> full backups are kept; <paramref name="Schedule"/> is a five-field cron expression in UTC
/// (null: none); <paramref name="VerifySchedule"/> likewise, for verifications of the newest completed backup.
/// </summary>
public sealed record BackupPolicyRequest(int? Keep, string? Schedule, string? Compression, string? VerifySchedule = null);

/// <summary>The policy in force, and when its next scheduled backup and verification fall due.</summary>
public sealed record BackupPolicyView(int Keep, string? Schedule, BackupCompression Compression, DateTimeOffset? NextScheduledBackup,
    string? VerifySchedule, DateTimeOffset? NextScheduledVerification);

/// <summary>How a cluster is backed up: retention, schedule, compression.</summary>
public static class BackupPolicyApi
{
    public static IEndpointRouteBuilder MapBackupPolicy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/clusters/{id:guid}/backup-policy", GetAsync).WithTags("Backups").WithName("GetBackupPolicy")
            .WithSummary("The cluster's backup policy: how many full backups are kept, the schedule, the compression.");
        endpoints.MapPut("/api/clusters/{id:guid}/backup-policy", SetAsync).WithTags("Backups").WithName("SetBackupPolicy").RequireAuthorization(Roles.Admin)
            .WithSummary("Sets the backup policy. Older backups beyond keep are deleted at once (each deletion recorded); a schedule starts scheduled backups, " +
                         "a verifySchedule scheduled verifications of the newest completed backup.");
        return endpoints;
    }

    public static async Task<Results<Ok<BackupPolicyView>, ProblemHttpResult>> GetAsync(Guid id, Marten.IQuerySession session, TimeProvider clock,
        CancellationToken cancellation) =>
        await session.LoadAsync<Cluster>(id, cancellation) is { } cluster
            ? TypedResults.Ok(View(cluster.BackupPolicy, clock.GetUtcNow()))
            : ClusterProblems.NoSuchCluster(id);

    public static async Task<Results<Ok<BackupPolicyView>, ValidationProblem, ProblemHttpResult>> SetAsync(Guid id, BackupPolicyRequest request,
        ClusterStream clusters, IMessageBus bus, TimeProvider clock, CancellationToken cancellation)
    {
        var compression = BackupPolicy.Default.Compression;
        var errors = new Dictionary<string, string[]>();
        if (request.Compression is { } named && !BackupCompressionNames.TryParse(named, out compression)) errors["compression"] = ["zstd or gzip."];
        var schedule = string.IsNullOrWhiteSpace(request.Schedule) ? null : request.Schedule.Trim();
        var verifySchedule = string.IsNullOrWhiteSpace(request.VerifySchedule) ? null : request.VerifySchedule.Trim();
        var policy = new BackupPolicy(request.Keep ?? BackupPolicy.Default.Keep, schedule, compression, verifySchedule);
        foreach (var problem in policy.Problems()) errors[problem.Split(' ')[0].TrimEnd(':')] = [problem];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The backup policy is not valid.");

        var now = clock.GetUtcNow();
        var cluster = await clusters.AppendAsync(id, _ => new BackupPolicySet(id, policy, now), cancellation);
        if (cluster is null) return ClusterProblems.NoSuchCluster(id);
        await bus.PublishAsync(new ApplyBackupRetention(id));
        if (BackupScheduling.Next(id, policy, now, now) is { } next) await bus.ScheduleAsync(next, next.DueAt);
        if (VerificationScheduling.Next(id, policy, now, now) is { } verification) await bus.ScheduleAsync(verification, verification.DueAt);
        return TypedResults.Ok(View(policy, now));
    }

    private static BackupPolicyView View(BackupPolicy policy, DateTimeOffset now) =>
        new(policy.Keep, policy.Schedule, policy.Compression, policy.Schedule is { } schedule ? BackupSchedule.Next(schedule, now) : null,
            policy.VerifySchedule, policy.VerifySchedule is { } verify ? BackupSchedule.Next(verify, now) : null);
}
