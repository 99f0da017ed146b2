using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Workflows.Rejoins;

// A rejoin's own stream (its id is the rejoin's): a fenced old master brought back to the master's history and made
// a replica of it, MoHA's manual repair after a failover as one call.

/// <summary>
/// The rejoin of fenced <paramref name="Instance"/> began, against <paramref name="Master"/>, whose GTID state
/// (every server's last GTID per domain: @@gtid_binlog_state) was <paramref name="MasterGtidState"/>.
/// </summary>
public sealed record RejoinStarted(Guid RejoinId, Guid ClusterId, string Cluster, string Instance, string Master, string MasterGtidState,
    DateTimeOffset StartedAt);

/// <summary>
/// The transactions the instance held beyond the master, extracted for review into the repository (events and
/// readable SQL: <see cref="DivergedTransactions.EventsKey"/> and <see cref="DivergedTransactions.SqlKey"/>); an
/// operator re-applies what must be kept from there.
/// </summary>
public sealed record DivergedTransactionsExtracted(Guid RejoinId, string Instance, DivergedTransactions Diverged, DateTimeOffset ExtractedAt);

/// <summary>The extracted transactions were undone by flashback: the instance is at the history it shares with the master.</summary>
public sealed record DivergedTransactionsUndone(Guid RejoinId, string Instance, IReadOnlyList<string> ExtraGtids, RestoredPosition Position,
    DateTimeOffset UndoneAt);

/// <summary>The instance replicates from the master again, unfenced.</summary>
public sealed record RejoinedAsReplica(Guid RejoinId, string Instance, string Master, string GtidExecuted, DateTimeOffset RejoinedAt);

/// <summary>
/// Flashback could not bring the instance back, so its server was shut down and the contents of its data and binary
/// log folders moved into <see cref="SetAsideData.Folder"/>, kept for the DBA.
/// </summary>
public sealed record DivergedDataSetAside(Guid RejoinId, string Instance, SetAsideData SetAside, DateTimeOffset SetAsideAt);

/// <summary>
/// Restore <paramref name="CloneRestoreId"/>, a clone of backup <paramref name="BackupId"/>, was started into the
/// emptied instance, because <paramref name="Reason"/>. (Not named RestoreId: the audit index files an event under its
/// RestoreId before its RejoinId, and these are the rejoin's.)
/// </summary>
public sealed record RebuildFromBackupStarted(Guid RejoinId, string Instance, string Reason, Guid CloneRestoreId, Guid BackupId, DateTimeOffset StartedAt);

/// <summary>
/// The rejoin ended by a rebuild: restore <paramref name="CloneRestoreId"/> cloned backup <paramref name="BackupId"/>
/// into the instance, now an OK replica of the master at <paramref name="GtidExecuted"/>; its diverged data is kept in
/// <paramref name="SetAsideFolder"/>.
/// </summary>
public sealed record DivergedInstanceRebuilt(Guid RejoinId, Guid ClusterId, string Instance, Guid CloneRestoreId, Guid BackupId, string SetAsideFolder,
    string GtidExecuted, DateTimeOffset RebuiltAt);

/// <summary>The rejoin ended as asked: the instance is an OK replica of the master at <paramref name="GtidExecuted"/>.</summary>
public sealed record RejoinCompleted(Guid RejoinId, Guid ClusterId, string Instance, string GtidExecuted, DateTimeOffset CompletedAt);

/// <summary>
/// The rejoin ended without rejoining: <paramref name="Reason"/> says why and what the operator does next. The
/// instance stays fenced, or, when its rebuild failed, unregistered with its server stopped.
/// </summary>
public sealed record RejoinNeedsAttention(Guid RejoinId, Guid ClusterId, string Instance, string Reason, DateTimeOffset EndedAt);
