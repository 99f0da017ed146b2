using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Operations;
using Wolverine;

namespace MySqlHa.Workflows.Backups;

// The backup saga's commands, each carrying the backup's id for correlation.

/// <summary>Starts the saga; the backup ends within <paramref name="Deadline"/>, whatever happens.</summary>
public sealed record StartBackup(Guid BackupId, Guid ClusterId, string Cluster, string Instance, string Trigger, BackupCompression Compression,
    TimeSpan Deadline);

/// <summary>A step of the backup; once its retries are spent, the backup fails with the reason.</summary>
public interface IBackupStep : IOperationStep
{
    Guid BackupId { get; }

    object IOperationStep.Failed(string reason) => new FailBackup(BackupId, reason);
}

/// <summary>1. The instance's agent is asked to run the backup as a job.</summary>
public sealed record RunBackupJob(Guid BackupId) : IBackupStep;

/// <summary>2. The job is looked at again after <paramref name="After"/>, until it ends.</summary>
public sealed record CheckBackupJob(Guid BackupId, TimeSpan After) : TimeoutMessage(After), IBackupStep;

/// <summary>3. A completed job's files are checked in the repository before the backup is called completed.</summary>
public sealed record VerifyBackup(Guid BackupId, BackupManifest Manifest) : IBackupStep;

public sealed record FailBackup(Guid BackupId, string Reason);

public sealed record BackupDeadlinePassed(Guid BackupId, TimeSpan After) : TimeoutMessage(After);

/// <summary>After a completed backup: the cluster's retention is applied.</summary>
public sealed record ApplyBackupRetention(Guid ClusterId);

/// <summary>
/// After retention: the binlog archive is pruned of what lies wholly at or before <paramref name="HorizonGtids"/>, the
/// GTID position of the oldest kept backup. <paramref name="PruningId"/> is the request's id at the agent, so that a
/// retried message is answered what the first call deleted.
/// </summary>
public sealed record PruneBinlogArchive(Guid PruningId, Guid ClusterId, string Cluster, Guid OldestKeptBackupId, string HorizonGtids);
