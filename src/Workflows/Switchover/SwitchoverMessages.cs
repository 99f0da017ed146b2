using MySqlHa.Workflows.Operations;
using Wolverine;

namespace MySqlHa.Workflows.Switchover;

// The saga's commands: one per step, each carrying the saga's id (SwitchoverId) for correlation.

/// <summary>
/// <paramref name="TransactionWait"/> bounds the wait for open transactions on the old master before it is frozen;
/// past it, <paramref name="KillSessions"/> decides: end them, or abort the switchover. The switchover ends within
/// <paramref name="Deadline"/>, whatever happens.
/// </summary>
public sealed record StartSwitchover(Guid SwitchoverId, Guid ClusterId, string Cluster, string? Candidate, bool KillSessions,
    TimeSpan CatchUpTimeout, TimeSpan TransactionWait, TimeSpan Deadline);

/// <summary>A step of the switchover, named by where it stands, so that its failure says where the switchover was.</summary>
public interface ISwitchoverStep : IOperationStep
{
    Guid SwitchoverId { get; }

    SwitchoverStep Step { get; }

    object IOperationStep.Failed(string reason) => new FailSwitchover(SwitchoverId, Step, reason);
}

public sealed record CheckSwitchover(Guid SwitchoverId) : ISwitchoverStep
{
    SwitchoverStep ISwitchoverStep.Step => SwitchoverStep.PreChecks;
}

/// <summary>Holds traffic, freezes the old master, catches the candidate up, promotes and publishes it. Its failure may come at any of these.</summary>
public sealed record SwitchMaster(Guid SwitchoverId) : ISwitchoverStep
{
    SwitchoverStep ISwitchoverStep.Step => SwitchoverStep.Switch;
}

public sealed record RepointFollowers(Guid SwitchoverId) : ISwitchoverStep
{
    SwitchoverStep ISwitchoverStep.Step => SwitchoverStep.Repoint;
}

public sealed record RecordSwitch(Guid SwitchoverId) : ISwitchoverStep
{
    SwitchoverStep ISwitchoverStep.Step => SwitchoverStep.Record;
}

public sealed record AbortSwitchover(Guid SwitchoverId, SwitchoverStep Step, string Reason);

/// <summary>A step still failed after its retries (see StepFailurePolicy).</summary>
public sealed record FailSwitchover(Guid SwitchoverId, SwitchoverStep Step, string Reason);

/// <summary>Scheduled when the switchover starts; ignored if it has ended by then.</summary>
public sealed record SwitchoverDeadlinePassed(Guid SwitchoverId, TimeSpan After) : TimeoutMessage(After);
