using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Workflows.Verifications;

// On the verified backup's own stream, so that the backup's record shows its last verification; the audit query
// finds them by VerificationId (see AuditIndex).

/// <summary>A verification of backup <paramref name="BackupId"/> began on <paramref name="Instance"/>'s agent; <paramref name="Trigger"/> is "manual" or "scheduled".</summary>
public sealed record BackupVerificationStarted(Guid VerificationId, Guid BackupId, Guid ClusterId, string Instance, string Trigger, DateTimeOffset StartedAt);

/// <summary>The instance's agent took the verification job: the backup is being restored into its scratch server.</summary>
public sealed record VerificationJobAccepted(Guid VerificationId, Guid BackupId, string Instance, string CommandId, DateTimeOffset AcceptedAt);

/// <summary>
/// The backup restores: a scratch server started on it holds the manifest's GTID set <paramref name="GtidExecuted"/>,
/// and every user table passed CHECK TABLE, with its rows and CHECKSUM TABLE value in <paramref name="Tables"/>.
/// </summary>
public sealed record BackupVerified(Guid VerificationId, Guid BackupId, Guid ClusterId, string Instance, string GtidExecuted,
    IReadOnlyList<TableVerification> Tables, DateTimeOffset VerifiedAt);

/// <summary>The backup could not be verified, or was found wanting (<paramref name="Reason"/> says which).</summary>
public sealed record BackupVerificationFailed(Guid VerificationId, Guid BackupId, Guid ClusterId, string Reason, DateTimeOffset FailedAt);
