namespace MySqlHa.Workflows.Failover;

// The failover saga's commands: one per step, each carrying the saga's id (FailoverId) for correlation.

/// <summary>
/// <paramref name="Trigger"/> is "automatic" (the detector) or "emergency" (an operator, master in ERROR).
/// <paramref name="LastSeenAlive"/> is when a probe last reached the master, <paramref name="LostSince"/> when the
/// controller first failed to, <paramref name="Evidence"/> the signals that agreed.
/// </summary>
public sealed record StartFailover(Guid FailoverId, Guid ClusterId, string Cluster, string Trigger, string? Candidate,
    IReadOnlyList<string> Evidence, DateTimeOffset? LastSeenAlive, DateTimeOffset? LostSince);

public sealed record ChooseFailoverCandidate(Guid FailoverId);

public sealed record HoldFailoverTraffic(Guid FailoverId);

public sealed record FenceFailedMaster(Guid FailoverId);

public sealed record ApplyCandidateRelayLog(Guid FailoverId);

public sealed record PromoteFailoverCandidate(Guid FailoverId);

public sealed record RepointSurvivors(Guid FailoverId);

public sealed record RecordFailover(Guid FailoverId);

public sealed record AbortFailover(Guid FailoverId, string Step, string Reason);
