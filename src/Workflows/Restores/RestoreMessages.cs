using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Operations;
using Wolverine;

namespace MySqlHa.Workflows.Restores;

// The restore saga's commands, each carrying the restore's id for correlation.

/// <summary>
/// Starts the saga for a restore of <paramref name="Backup"/> into <paramref name="Instance"/>, then up to
/// <paramref name="Target"/> by <paramref name="Replay"/>; it ends within <paramref name="Deadline"/>.
/// </summary>
public sealed record StartRestore(Guid RestoreId, Guid ClusterId, string Cluster, string Instance, string Mode, BackupManifest Backup,
    RestoreTarget Target, ReplayPlan Replay, TimeSpan Deadline);

public interface IRestoreStep : IOperationStep
{
    Guid RestoreId { get; }

    object IOperationStep.Failed(string reason) => new FailRestore(RestoreId, reason);
}

/// <summary>1. The instance's agent restores the backup into its empty data folder and starts the server.</summary>
public sealed record RunRestoreJob(Guid RestoreId) : IRestoreStep;

/// <summary>2 (and 3b). The agent's job (the restore, or the replay), looked at again after <paramref name="After"/>, until it ends.</summary>
public sealed record CheckRestoreJob(Guid RestoreId, TimeSpan After, bool Replay = false) : TimeoutMessage(After), IRestoreStep;

/// <summary>3b (a point-in-time restore). The agent replays the planned archived binlogs up to the target.</summary>
public sealed record RunReplayJob(Guid RestoreId) : IRestoreStep;

/// <summary>3a (a clone). The instance is registered as a replica and replicates from the master.</summary>
public sealed record JoinAsReplica(Guid RestoreId) : IRestoreStep;

/// <summary>4 (a clone). Looked at until the monitor finds the new replica OK (caught up).</summary>
public sealed record CheckCloneCaughtUp(Guid RestoreId, TimeSpan After) : TimeoutMessage(After), IRestoreStep;

/// <summary>5. The instance's final position is read and the restore recorded completed.</summary>
public sealed record CompleteRestore(Guid RestoreId) : IRestoreStep;

public sealed record FailRestore(Guid RestoreId, string Reason);

public sealed record RestoreDeadlinePassed(Guid RestoreId, TimeSpan After) : TimeoutMessage(After);
