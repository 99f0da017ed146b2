using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>What a job does once started; it reports the bytes it moved through <see cref="RunningJob.Add"/>.</summary>
internal delegate Task<JobResult> JobWork(RunningJob job, CancellationToken cancellation);

internal sealed record JobResult(BackupManifest? Manifest, RestoredPosition? Restored, DivergedTransactions? Diverged = null,
    BackupVerificationReport? Verification = null, SetAsideData? SetAside = null);

/// <summary>Why a job was not started: the HTTP status and problem the caller gets; nothing was touched.</summary>
internal sealed record JobRefusal(int Status, string Title, string Detail);

internal sealed record JobStart(AgentJob? Job, JobRefusal? Refusal)
{
    public static JobStart Started(AgentJob job) => new(job, null);

    public static JobStart Found(AgentJob job) => new(job, null);

    public static JobStart Refused(JobRefusal refusal) => new(null, refusal);
}

/// <summary>A job as recorded: its answer, and what must be cleaned up should it fail or be cut short.</summary>
internal sealed record JobRecord(AgentJob Job, JobCleanupPlan Cleanup);
