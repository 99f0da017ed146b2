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

/// <summary>The agent's jobs a rejoin runs on the instance.</summary>
public enum RejoinJob
{
    Extraction,
    Flashback,
    SetAside,
}

/// <summary>The agent's <paramref name="Job"/>, looked at again after <paramref name="After"/>, until it ends.</summary>
public sealed record CheckRejoinJob(Guid RejoinId, TimeSpan After, RejoinJob Job) : TimeoutMessage(After), IRejoinStep;

/// <summary>2. The extracted transactions are undone by flashback.</summary>
public sealed record UndoDivergedTransactions(Guid RejoinId) : IRejoinStep;

/// <summary>2b. Flashback cannot bring the instance back (<paramref name="Reason"/>): its data is set aside for a rebuild from a backup.</summary>
public sealed record RebuildFromBackup(Guid RejoinId, string Reason) : IRejoinStep;

/// <summary>2c. The emptied instance is unregistered and a clone of the backup chosen for it started into it.</summary>
public sealed record CloneChosenBackup(Guid RejoinId) : IRejoinStep;

/// <summary>2d. The clone's restore, looked at again after <paramref name="After"/>, until it ends.</summary>
public sealed record CheckRebuild(Guid RejoinId, TimeSpan After) : TimeoutMessage(After), IRejoinStep;

/// <summary>3. Unfenced, and replicating from the master.</summary>
public sealed record JoinMaster(Guid RejoinId) : IRejoinStep;

/// <summary>4. Looked at until the monitor finds the instance OK.</summary>
public sealed record CheckRejoinCaughtUp(Guid RejoinId, TimeSpan After) : TimeoutMessage(After), IRejoinStep;

/// <summary>The rejoin ends without rejoining, needing an operator, with the reason.</summary>
public sealed record EndRejoin(Guid RejoinId, string Reason);

public sealed record RejoinDeadlinePassed(Guid RejoinId, TimeSpan After) : TimeoutMessage(After);
