namespace MySqlHa.Workflows.Backups;

/// <summary>A scheduled backup falls due; it counts only while the policy that scheduled it (<paramref name="PolicySetAt"/>) is still the cluster's.</summary>
public sealed record ScheduledBackupDue(Guid ClusterId, DateTimeOffset PolicySetAt, DateTimeOffset DueAt);

/// <summary>A scheduled backup was due and did not start (<paramref name="Reason"/> says why); the next one stays scheduled.</summary>
public sealed record ScheduledBackupSkipped(Guid ClusterId, DateTimeOffset DueAt, string Reason, DateTimeOffset SkippedAt);

/// <summary>
/// Scheduled backups, as Wolverine scheduled messages kept in Marten: setting a policy with a schedule schedules its
/// first backup; each one that falls due starts a backup and schedules the next. A message of a policy that was
/// replaced since is dropped, so that a changed schedule never runs beside the old one (see <see cref="ScheduledBackupHandler"/>).
/// </summary>
public static class BackupScheduling
{
    /// <summary>How long a scheduled backup may run: a day, past which it fails and frees the slot for the next one.</summary>
    public static readonly TimeSpan ScheduledDeadline = TimeSpan.FromHours(24);

    /// <summary>The policy's next backup after <paramref name="after"/>, to be scheduled at its DueAt, or null when it has no schedule.</summary>
    public static ScheduledBackupDue? Next(Guid clusterId, BackupPolicy policy, DateTimeOffset policySetAt, DateTimeOffset after) =>
        policy.Schedule is { } schedule && BackupSchedule.Next(schedule, after) is { } due ? new ScheduledBackupDue(clusterId, policySetAt, due) : null;
}
