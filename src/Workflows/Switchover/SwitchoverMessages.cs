namespace MySqlHa.Workflows.Switchover;

// The saga's commands: one per step, each carrying the saga's id (SwitchoverId) for correlation.

/// <summary>
/// <paramref name="TransactionWait"/> bounds the wait for open transactions on the old master before it is frozen;
/// past it, <paramref name="KillSessions"/> decides: end them, or abort the switchover.
/// </summary>
public sealed record StartSwitchover(Guid SwitchoverId, Guid ClusterId, string Cluster, string? Candidate, bool KillSessions,
    TimeSpan CatchUpTimeout, TimeSpan TransactionWait);

public sealed record CheckSwitchover(Guid SwitchoverId);

public sealed record HoldTraffic(Guid SwitchoverId);

public sealed record FreezeOldMaster(Guid SwitchoverId);

public sealed record CatchUpCandidate(Guid SwitchoverId);

public sealed record PromoteCandidate(Guid SwitchoverId);

public sealed record RepointFollowers(Guid SwitchoverId);

public sealed record RecordSwitch(Guid SwitchoverId);

public sealed record AbortSwitchover(Guid SwitchoverId, SwitchoverStep Step, string Reason);
