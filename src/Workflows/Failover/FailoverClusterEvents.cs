using MySqlHa.Replication.Servers;

namespace MySqlHa.Workflows.Failover;

// Cluster-stream events of failure handling: they change what the cluster record says (who is master, who is
// fenced, whether automatic recovery may run) and they are the audit trail of alerts that led to no failover.

public sealed record FailoverPolicyChanged(Guid ClusterId, FailoverPolicy Policy, DateTimeOffset ChangedAt);

/// <summary>
/// The controller lost the master but the other signals do not agree that it is dead (replicas still connected,
/// or its agent says mysqld is up): an alert, not a failover. One per episode.
/// </summary>
public sealed record MasterUnreachable(Guid ClusterId, string Master, string Reason, IReadOnlyList<string> Evidence, DateTimeOffset ObservedAt);

/// <summary>The master is dead by every signal, but automatic recovery is blocked (anti-flapping) or disabled. One per episode.</summary>
public sealed record AutomaticFailoverWithheld(Guid ClusterId, string Master, string Reason, IReadOnlyList<string> Evidence, DateTimeOffset ObservedAt);

/// <summary>
/// The failed master is fenced: never routed to, never a candidate, made read-only whenever it is seen writable,
/// until an operator repairs it and registers it again. <paramref name="ReadOnlyConfirmed"/> says whether its agent
/// could set read_only at the time (a dead or hung server cannot).
/// </summary>
public sealed record InstanceFenced(Guid ClusterId, Guid OperationId, string Instance, bool ReadOnlyConfirmed, string Detail, DateTimeOffset FencedAt);

/// <summary>A failover gave up before promotion: the old master is no longer fenced, so an operator may bring it back.</summary>
public sealed record InstanceUnfenced(Guid ClusterId, Guid OperationId, string Instance, DateTimeOffset UnfencedAt);

/// <summary>A fenced server came back writable and was made read-only again; its diverged transactions are listed.</summary>
public sealed record FencedInstanceMadeReadOnly(Guid ClusterId, string Instance, string GtidExecuted, string DivergedGtids, bool ReadOnlyConfirmed,
    DateTimeOffset At);

/// <summary><paramref name="NewMaster"/> leads after an unplanned failover; the old master stays fenced.</summary>
public sealed record MasterFailedOver(Guid ClusterId, Guid OperationId, string OldMaster, string NewMaster, ServerEndpoint NewMasterEndpoint,
    string NewMasterGtidExecuted, DateTimeOffset FailedOverAt);

public sealed record AutomaticFailoverBlocked(Guid ClusterId, Guid OperationId, DateTimeOffset Until, DateTimeOffset BlockedAt);

public sealed record FailoverAcknowledged(Guid ClusterId, string? Note, DateTimeOffset AcknowledgedAt);

/// <summary>
/// The one-writer invariant did not hold: <paramref name="Kind"/> is several-writable (more than one registered server
/// writable: <paramref name="Writable"/>) or follower-writable (<paramref name="Instance"/>, a standby or replica,
/// writable; <paramref name="MadeReadOnly"/> says whether its agent confirmed read_only). One per episode.
/// </summary>
public sealed record WritableInvariantViolated(Guid ClusterId, string Kind, string? Instance, IReadOnlyList<string> Writable, bool MadeReadOnly,
    DateTimeOffset ObservedAt);
