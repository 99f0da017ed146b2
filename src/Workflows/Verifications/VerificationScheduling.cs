using MySqlHa.Workflows.Backups;

namespace MySqlHa.Workflows.Verifications;

/// <summary>A scheduled verification falls due; it counts only while the policy that scheduled it (<paramref name="PolicySetAt"/>) is still the cluster's.</summary>
public sealed record ScheduledVerificationDue(Guid ClusterId, DateTimeOffset PolicySetAt, DateTimeOffset DueAt);

/// <summary>A scheduled verification was due and did not start (<paramref name="Reason"/> says why); the next one stays scheduled.</summary>
public sealed record ScheduledVerificationSkipped(Guid ClusterId, DateTimeOffset DueAt, string Reason, DateTimeOffset SkippedAt);

/// <summary>
/// Scheduled verifications of the newest completed backup (BackupPolicy.VerifySchedule), as Wolverine scheduled
/// messages kept in Marten, scheduled as backups are (see <see cref="BackupScheduling"/>): setting a policy schedules
/// the first; each that falls due starts one and schedules the next; a replaced policy's are dropped.
/// </summary>
public static class VerificationScheduling
{
    /// <summary>How long a scheduled verification may run: a day, past which it fails.</summary>
    public static readonly TimeSpan ScheduledDeadline = TimeSpan.FromHours(24);

    /// <summary>The policy's next verification after <paramref name="after"/>, to be scheduled at its DueAt, or null when it has no verify schedule.</summary>
    public static ScheduledVerificationDue? Next(Guid clusterId, BackupPolicy policy, DateTimeOffset policySetAt, DateTimeOffset after) =>
        policy.VerifySchedule is { } schedule && BackupSchedule.Next(schedule, after) is { } due ? new ScheduledVerificationDue(clusterId, policySetAt, due) : null;
}
