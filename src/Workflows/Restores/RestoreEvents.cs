using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Workflows.Restores;

// A restore's own stream (its id is the restore's): a backup restored into an instance, then, for a clone, the
// instance joined to the cluster as a replica of the current master.

/// <summary>
/// A restore of backup <paramref name="BackupId"/> into <paramref name="Instance"/> began. <paramref name="Mode"/> is
/// restore (the instance is left standalone, at <paramref name="Target"/>) or clone (it then replicates from the
/// master); <paramref name="BinlogKeys"/> are the archived binlogs planned for the replay past the backup.
/// </summary>
public sealed record RestoreStarted(Guid RestoreId, Guid ClusterId, string Cluster, string Instance, Guid BackupId, string Mode,
    string BackupGtidExecuted, string Target, IReadOnlyList<string> BinlogKeys, DateTimeOffset StartedAt);

/// <summary>The instance's agent took the restore job.</summary>
public sealed record RestoreJobAccepted(Guid RestoreId, string Instance, string CommandId, DateTimeOffset AcceptedAt);

/// <summary>The backup's data is in place and the server runs, at <paramref name="Position"/>.</summary>
public sealed record BackupRestored(Guid RestoreId, string Instance, Guid BackupId, RestoredPosition Position, DateTimeOffset RestoredAt);

/// <summary>
/// The archived binlogs were replayed into the restored server up to the target: <paramref name="Position"/> is where
/// it stands (the GTIDs of the last transaction applied included).
/// </summary>
public sealed record BinlogsReplayed(Guid RestoreId, string Instance, IReadOnlyList<string> BinlogKeys, string? StopGtid, DateTimeOffset? StopAt,
    RestoredPosition Position, DateTimeOffset ReplayedAt);

/// <summary>A clone: the restored instance was registered as a replica and replicates from <paramref name="Master"/>.</summary>
public sealed record CloneJoined(Guid RestoreId, string Instance, string Master, string GtidExecuted, DateTimeOffset JoinedAt);

/// <summary>The restore ended as asked: <paramref name="GtidExecuted"/> is the instance's position at the end (a clone's once it caught up).</summary>
public sealed record RestoreCompleted(Guid RestoreId, Guid ClusterId, string Instance, string GtidExecuted, DateTimeOffset CompletedAt);

/// <summary>The restore failed; the agent emptied the data folder it had filled.</summary>
public sealed record RestoreFailed(Guid RestoreId, Guid ClusterId, string Reason, DateTimeOffset FailedAt);
