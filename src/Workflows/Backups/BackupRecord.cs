using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Verifications;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// A backup as the API lists it, rebuilt from its stream: running, completed (with its manifest), failed (with the
/// reason) or deleted by retention (its manifest kept, its files gone); <paramref name="LastVerification"/> is the
/// newest verification's result, or null when it was never verified.
/// </summary>
public sealed record BackupRecord(
    Guid Id,
    Guid ClusterId,
    string Cluster,
    string Instance,
    string Trigger,
    BackupCompression Compression,
    string State,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    BackupManifest? Manifest,
    string? Failure,
    DateTimeOffset? DeletedAt,
    BackupVerificationResult? LastVerification = null)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Deleted = "deleted";

    public static BackupRecord Create(BackupStarted e) =>
        new(e.BackupId, e.ClusterId, e.Cluster, e.Instance, e.Trigger, e.Compression, Running, e.StartedAt, null, null, null, null);

    public static BackupRecord Apply(BackupJobAccepted e, BackupRecord backup) => backup;

    public static BackupRecord Apply(BackupCompleted e, BackupRecord backup) =>
        backup with { State = Completed, Manifest = e.Manifest, EndedAt = e.CompletedAt };

    public static BackupRecord Apply(BackupFailed e, BackupRecord backup) =>
        backup with { State = Failed, Failure = e.Reason, EndedAt = e.FailedAt };

    public static BackupRecord Apply(BackupDeleted e, BackupRecord backup) =>
        backup with { State = Deleted, DeletedAt = e.DeletedAt };

    public static BackupRecord Apply(BackupVerificationStarted e, BackupRecord backup) => backup with { LastVerification = BackupVerificationResult.Of(e) };

    public static BackupRecord Apply(VerificationJobAccepted e, BackupRecord backup) => backup;

    public static BackupRecord Apply(BackupVerified e, BackupRecord backup) => backup with { LastVerification = backup.LastVerification?.With(e) };

    public static BackupRecord Apply(BackupVerificationFailed e, BackupRecord backup) => backup with { LastVerification = backup.LastVerification?.With(e) };
}
