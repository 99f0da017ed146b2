namespace MySqlHa.Workflows.Switchover;

// The audit trail of one switchover, in its own stream (the operation id). Every step says what it saw: the GTID
// sets and binlog coordinates of both sides, so an auditor can tell exactly where the switch happened.

public sealed record SwitchoverRequested(Guid OperationId, Guid ClusterId, string Cluster, string? RequestedCandidate,
    bool KillSessions, TimeSpan CatchUpTimeout, DateTimeOffset RequestedAt);

public sealed record SwitchoverPreChecked(Guid OperationId, string OldMaster, string Candidate, string OldMasterGtidExecuted,
    string CandidateGtidExecuted, long? CandidateLagSeconds, bool Mutual, IReadOnlyList<string> Replicas, DateTimeOffset CheckedAt);

public sealed record SwitchoverTrafficHeld(Guid OperationId, long TopologyVersion, DateTimeOffset HeldAt);

public sealed record OldMasterFrozen(Guid OperationId, string Instance, string GtidExecuted, string? BinlogFile, long? BinlogPosition,
    int SessionsKilled, DateTimeOffset FrozenAt);

/// <summary>
/// The freeze proven at one <paramref name="Moment"/>: the old master, read again, holds exactly the frozen set.
/// </summary>
public sealed record OldMasterFreezeVerified(Guid OperationId, string Instance, string GtidExecuted, FreezeProofMoment Moment,
    DateTimeOffset VerifiedAt);

/// <summary>
/// After promotion the old master was found to hold <paramref name="DivergedGtids"/> beyond its frozen set (or could not
/// be read to prove otherwise): it is fenced, not repointed, and needs repair.
/// </summary>
public sealed record OldMasterDiverged(Guid OperationId, string Instance, string FrozenGtid, string GtidExecuted, string DivergedGtids,
    bool ReadOnlyConfirmed, DateTimeOffset FoundAt);

public sealed record CandidateCaughtUp(Guid OperationId, string Candidate, string GtidExecuted, DateTimeOffset CaughtUpAt);

public sealed record ReplicaPromoted(Guid OperationId, string Instance, string GtidExecuted, string? BinlogFile, long? BinlogPosition,
    DateTimeOffset PromotedAt);

public sealed record ReplicaRepointed(Guid OperationId, string Instance, string NewSource, string GtidExecuted, DateTimeOffset RepointedAt);

public sealed record ReplicaRepointFailed(Guid OperationId, string Instance, string NewSource, string Reason, DateTimeOffset FailedAt);

public sealed record SwitchRecorded(Guid OperationId, string EtcdKey, DateTimeOffset RecordedAt);

/// <summary>The switch is done; <paramref name="NeedsAttention"/> lists what failed after promotion and was not mended.</summary>
public sealed record SwitchoverCompleted(Guid OperationId, string OldMaster, string NewMaster, string NewMasterGtidExecuted,
    string? NewMasterBinlogFile, long? NewMasterBinlogPosition, IReadOnlyList<string> NeedsAttention, DateTimeOffset CompletedAt);

/// <summary>
/// Given up before promotion; <paramref name="OldMasterWritable"/> says whether writes were restored, as the server
/// showed afterwards. After a promotion attempt, <paramref name="CandidateReadOnlyAndFollowing"/> says whether the
/// candidate's server showed it read-only and replicating from the old master (null when no promotion was attempted).
/// </summary>
public sealed record SwitchoverAborted(Guid OperationId, SwitchoverStep Step, string Reason, bool OldMasterWritable, bool? CandidateReadOnlyAndFollowing,
    DateTimeOffset AbortedAt);

/// <summary>
/// Ended at or after its point of no return without finishing: a step failed past its retries, or the deadline passed.
/// <paramref name="Promoted"/>: the new master stands (our records and the proxies follow it); otherwise the records
/// still name the old master and a promotion may have been under way. <paramref name="NeedsAttention"/> says what to
/// mend, with the servers' states as they were read.
/// </summary>
public sealed record SwitchoverInterrupted(Guid OperationId, SwitchoverStep Step, string Reason, bool Promoted, IReadOnlyList<string> NeedsAttention,
    DateTimeOffset InterruptedAt);
