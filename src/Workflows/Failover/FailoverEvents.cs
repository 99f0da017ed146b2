namespace MySqlHa.Workflows.Failover;

// The audit trail of one failover, in its own stream (the operation id). Promotion, repointing and the etcd record
// reuse the switchover's events (ReplicaPromoted, ReplicaRepointed, ReplicaRepointFailed, SwitchRecorded).

/// <summary>Why the failover began, and the failed master's last known position (from the last probe that reached it).</summary>
public sealed record FailoverStarted(Guid OperationId, Guid ClusterId, string Cluster, string Trigger, string OldMaster, string? RequestedCandidate,
    IReadOnlyList<string> Evidence, string? OldMasterLastGtidExecuted, string? OldMasterLastBinlogFile, long? OldMasterLastBinlogPosition,
    DateTimeOffset? LastSeenAlive, DateTimeOffset? LostSince, DateTimeOffset StartedAt);

/// <summary>The candidate and every follower's position as read at that moment; who was passed over and why.</summary>
public sealed record FailoverCandidateChosen(Guid OperationId, string Candidate, IReadOnlyDictionary<string, string?> FollowerGtidExecuted,
    IReadOnlyList<string> PassedOver, DateTimeOffset ChosenAt);

public sealed record FailoverTrafficHeld(Guid OperationId, long TopologyVersion, DateTimeOffset HeldAt);

/// <summary>The failed master proven unable to write (<paramref name="Proof"/>, with the signals that gave it) and fenced.</summary>
public sealed record FailedMasterFenced(Guid OperationId, string Instance, FencingProofKind Proof, IReadOnlyList<string> Evidence, DateTimeOffset FencedAt);

/// <summary>Everything the candidate's IO thread had received when it was stopped is applied: nothing that reached it is lost.</summary>
public sealed record CandidateRelayLogApplied(Guid OperationId, string Candidate, string ReceivedGtids, string GtidExecuted, DateTimeOffset AppliedAt);

/// <summary>
/// The failover is done. <paramref name="PossiblyLostGtids"/> is what the old master had at our last look and the new
/// master lacked at promotion: transactions lost unless the old master's disk is recovered (it may have committed
/// more after our last look; those show when it comes back, see FencedInstanceMadeReadOnly). Phase durations in seconds.
/// </summary>
public sealed record FailoverCompleted(Guid OperationId, string OldMaster, string NewMaster, string? OldMasterLastGtidExecuted,
    string? OldMasterLastBinlogFile, long? OldMasterLastBinlogPosition, string NewMasterGtidExecuted, string? NewMasterBinlogFile,
    long? NewMasterBinlogPosition, string? PossiblyLostGtids, IReadOnlyDictionary<string, double> PhaseSeconds,
    IReadOnlyList<string> NeedsAttention, DateTimeOffset BlockedUntil, DateTimeOffset CompletedAt);

/// <summary>Given up before promotion: no master was promoted; the old master is unfenced so an operator may revive it.</summary>
public sealed record FailoverAborted(Guid OperationId, FailoverStep Step, string Reason, DateTimeOffset AbortedAt);

/// <summary>
/// Ended at or after the promotion without finishing: a step failed past its retries, or the deadline passed. The
/// failed master stays fenced. <paramref name="Promoted"/>: the new master stands in our records; otherwise a
/// promotion may have been under way. <paramref name="NeedsAttention"/> says what to mend, with the servers' states as read.
/// </summary>
public sealed record FailoverInterrupted(Guid OperationId, FailoverStep Step, string Reason, bool Promoted, IReadOnlyList<string> NeedsAttention,
    DateTimeOffset InterruptedAt);
