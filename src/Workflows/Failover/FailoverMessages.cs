using MySqlHa.Workflows.Operations;
using Wolverine;

namespace MySqlHa.Workflows.Failover;

// The failover saga's commands: one per step, each carrying the saga's id (FailoverId) for correlation.

/// <summary>
/// <paramref name="Trigger"/> is "automatic" (the detector) or "emergency" (an operator, master in ERROR).
/// <paramref name="LastSeenAlive"/> is when a probe last reached the master, <paramref name="LostSince"/> when the
/// controller first failed to, <paramref name="Evidence"/> the signals that agreed, <paramref name="MasterProcessGone"/>
/// whether the master's agent proved mysqld's process gone. The failover ends within <paramref name="Deadline"/>,
/// whatever happens.
/// </summary>
public sealed record StartFailover(Guid FailoverId, Guid ClusterId, string Cluster, string Trigger, string? Candidate,
    IReadOnlyList<string> Evidence, DateTimeOffset? LastSeenAlive, DateTimeOffset? LostSince, bool MasterProcessGone, TimeSpan Deadline);

/// <summary>A step of the failover, named by where it stands, so that its failure says where the failover was.</summary>
public interface IFailoverStep : IOperationStep
{
    Guid FailoverId { get; }

    FailoverStep Step { get; }

    object IOperationStep.Failed(string reason) => new FailFailover(FailoverId, Step, reason);
}

/// <summary>Chooses the candidate, fences the failed master, promotes and publishes the candidate, repoints the survivors. Its failure may come at any of these.</summary>
public sealed record ReplaceFailedMaster(Guid FailoverId) : IFailoverStep
{
    FailoverStep IFailoverStep.Step => FailoverStep.Prepare;
}

public sealed record RecordFailover(Guid FailoverId) : IFailoverStep
{
    FailoverStep IFailoverStep.Step => FailoverStep.Record;
}

public sealed record AbortFailover(Guid FailoverId, FailoverStep Step, string Reason);

/// <summary>A step still failed after its retries (see StepFailurePolicy).</summary>
public sealed record FailFailover(Guid FailoverId, FailoverStep Step, string Reason);

/// <summary>Scheduled when the failover starts; ignored if it has ended by then.</summary>
public sealed record FailoverDeadlinePassed(Guid FailoverId, TimeSpan After) : TimeoutMessage(After);
