using MySqlHa.Replication.Backups;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// How a cluster is backed up: <paramref name="Keep"/> full backups are kept (older ones are deleted, each deletion
/// recorded); <paramref name="Schedule"/> is a cron expression (five fields, UTC) for scheduled backups, or null for
/// none; <paramref name="Compression"/> is used by scheduled backups and by requests that name none;
/// <paramref name="VerifySchedule"/> is a cron expression like Schedule for scheduled verifications of the newest
/// completed backup, or null for none.
/// </summary>
public sealed record BackupPolicy(int Keep, string? Schedule, BackupCompression Compression, string? VerifySchedule = null)
{
    public static readonly BackupPolicy Default = new(7, null, BackupCompression.Zstd);

    /// <summary>The problems with this policy, empty when it can be set.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Keep is < 1 or > 1000) problems.Add("keep must be between 1 and 1000");
        if (Schedule is not null && BackupSchedule.Problem(Schedule) is { } problem) problems.Add($"schedule: {problem}");
        if (VerifySchedule is not null && BackupSchedule.Problem(VerifySchedule) is { } verifyProblem) problems.Add($"verifySchedule: {verifyProblem}");
        return problems;
    }
}
