using MySqlHa.Replication.Backups;

namespace MySqlHa.Workflows.Backups;

// A backup's own stream (its id is the backup's), from the start to its deletion by retention.

/// <summary>A backup of <paramref name="Instance"/> began; <paramref name="Trigger"/> is "manual" or "scheduled".</summary>
public sealed record BackupStarted(Guid BackupId, Guid ClusterId, string Cluster, string Instance, string Trigger, BackupCompression Compression,
    DateTimeOffset StartedAt);

/// <summary>The instance's agent took the job: the backup tool runs from here.</summary>
public sealed record BackupJobAccepted(Guid BackupId, string Instance, string CommandId, DateTimeOffset AcceptedAt);

/// <summary>The backup is whole in the repository, as its manifest (read back from the repository) describes it.</summary>
public sealed record BackupCompleted(Guid BackupId, Guid ClusterId, BackupManifest Manifest, DateTimeOffset CompletedAt);

/// <summary>The backup failed; <paramref name="PartialUploadsRemoved"/> counts unfinished files the controller cleared from the repository.</summary>
public sealed record BackupFailed(Guid BackupId, Guid ClusterId, string Reason, int PartialUploadsRemoved, DateTimeOffset FailedAt);

/// <summary>Retention removed the backup's files (<paramref name="Keys"/>) from the repository.</summary>
public sealed record BackupDeleted(Guid BackupId, Guid ClusterId, string Reason, IReadOnlyList<string> Keys, DateTimeOffset DeletedAt);
