using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Workflows.Verifications;

/// <summary>
/// A backup's last verification as its record shows it: running, verified (with the GTID set and each table's rows
/// and checksum) or failed (with the reason).
/// </summary>
public sealed record BackupVerificationResult(
    Guid VerificationId,
    string Trigger,
    string Instance,
    string State,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? GtidExecuted,
    IReadOnlyList<TableVerification>? Tables,
    string? Failure)
{
    public const string Running = "running";
    public const string Verified = "verified";
    public const string Failed = "failed";

    public static BackupVerificationResult Of(BackupVerificationStarted e) =>
        new(e.VerificationId, e.Trigger, e.Instance, Running, e.StartedAt, null, null, null, null);

    /// <summary>The result once <paramref name="e"/> ended the verification; a late event of an older verification changes nothing.</summary>
    public BackupVerificationResult With(BackupVerified e) =>
        e.VerificationId != VerificationId ? this : this with { State = Verified, EndedAt = e.VerifiedAt, GtidExecuted = e.GtidExecuted, Tables = e.Tables };

    public BackupVerificationResult With(BackupVerificationFailed e) =>
        e.VerificationId != VerificationId ? this : this with { State = Failed, EndedAt = e.FailedAt, Failure = e.Reason };
}
