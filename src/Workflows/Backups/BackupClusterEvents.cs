namespace MySqlHa.Workflows.Backups;

// On the cluster's stream: one backup at a time per cluster, beside (never blocking) switchovers and failovers.

/// <summary>A backup holds the cluster's backup slot until <see cref="ClusterBackupEnded"/>.</summary>
public sealed record ClusterBackupStarted(Guid ClusterId, Guid BackupId, string Instance, DateTimeOffset StartedAt);

/// <summary>The backup ended (<paramref name="Outcome"/>: completed or failed) and freed the slot.</summary>
public sealed record ClusterBackupEnded(Guid ClusterId, Guid BackupId, string Outcome, DateTimeOffset EndedAt);

/// <summary>The cluster's backup policy changed (see <see cref="BackupPolicy"/>).</summary>
public sealed record BackupPolicySet(Guid ClusterId, BackupPolicy Policy, DateTimeOffset SetAt);
