using MySqlHa.Workflows.Operations;
using Wolverine;

namespace MySqlHa.Workflows.Rejoins;

// The rejoin saga's commands, each carrying the rejoin's id for correlation.

public sealed record StartRejoin(Guid RejoinId, Guid ClusterId, string Cluster, string Instance, string Master, string MasterGtidState, TimeSpan Deadline);

public interface IRejoinStep : IOperationStep
{
    Guid RejoinId { get; }

    object IOperationStep.Failed(string reason) => new EndRejoin(RejoinId, reason);
}

/// <summary>1. The instance's agent extracts what it holds beyond the master.</summary>
public sealed record ExtractDivergedTransactions(Guid RejoinId) : IRejoinStep;

/// <summary>The agent's job (the extraction, or the flashback), looked at again after <paramref name="After"/>, until it ends.</summary>
public sealed record CheckRejoinJob(Guid RejoinId, TimeSpan After, bool Flashback) : TimeoutMessage(After), IRejoinStep;

/// <summary>2. The extracted transactions are undone by flashback.</summary>
public sealed record UndoDivergedTransactions(Guid RejoinId) : IRejoinStep;

/// <summary>3. Unfenced, and replicating from the master.</summary>
public sealed record JoinMaster(Guid RejoinId) : IRejoinStep;

/// <summary>4. Looked at until the monitor finds the instance OK.</summary>
public sealed record CheckRejoinCaughtUp(Guid RejoinId, TimeSpan After) : TimeoutMessage(After), IRejoinStep;

/// <summary>The rejoin ends without rejoining, needing an operator, with the reason.</summary>
public sealed record EndRejoin(Guid RejoinId, string Reason);

public sealed record RejoinDeadlinePassed(Guid RejoinId, TimeSpan After) : TimeoutMessage(After);
