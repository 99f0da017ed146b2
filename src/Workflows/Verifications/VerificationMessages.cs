using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Operations;
using Wolverine;

namespace MySqlHa.Workflows.Verifications;

// The verification saga's commands, each carrying the verification's id for correlation.

/// <summary>Starts the saga for backup <paramref name="Manifest"/> on <paramref name="Instance"/>'s agent; it ends within <paramref name="Deadline"/>.</summary>
public sealed record StartVerification(Guid VerificationId, Guid ClusterId, string Cluster, string Instance, BackupManifest Manifest, TimeSpan Deadline);

public interface IVerificationStep : IOperationStep
{
    Guid VerificationId { get; }

    object IOperationStep.Failed(string reason) => new FailVerification(VerificationId, reason);
}

/// <summary>1. The instance's agent is asked to verify the backup as a job.</summary>
public sealed record RunVerificationJob(Guid VerificationId) : IVerificationStep;

/// <summary>2. The job is looked at again after <paramref name="After"/>, until it ends.</summary>
public sealed record CheckVerificationJob(Guid VerificationId, TimeSpan After) : TimeoutMessage(After), IVerificationStep;

/// <summary>3. The job found nothing wrong: its report is recorded and the verification ends.</summary>
public sealed record CompleteVerification(Guid VerificationId, BackupVerificationReport Report) : IVerificationStep;

public sealed record FailVerification(Guid VerificationId, string Reason);

public sealed record VerificationDeadlinePassed(Guid VerificationId, TimeSpan After) : TimeoutMessage(After);
