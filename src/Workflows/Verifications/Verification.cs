using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using Wolverine;

namespace MySqlHa.Workflows.Verifications;

/// <summary>
/// A backup proven restorable, made durable: an instance's agent restores it into a scratch server of its own and
/// checks it as a job the saga follows; the result is recorded on the backup's stream. Each step is a message kept in
/// Marten, so an Api that dies mid-way is replaced by one that follows the same job. Every verification ends, by its
/// deadline at the latest: <see cref="BackupVerified"/>, or <see cref="BackupVerificationFailed"/> with the reason.
/// </summary>
public sealed partial class Verification : Saga
{
    /// <summary>How often a running job is looked at.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string Instance { get; set; } = "";
    public BackupManifest Manifest { get; set; } = null!;

    private Guid BackupId => Manifest.BackupId;

    private string JobId => $"{Id}:verify-backup";

    public static (Verification, RunVerificationJob, VerificationDeadlinePassed) Start(StartVerification start) =>
        (new Verification { Id = start.VerificationId, ClusterId = start.ClusterId, Cluster = start.Cluster, Instance = start.Instance, Manifest = start.Manifest },
            new RunVerificationJob(start.VerificationId), new VerificationDeadlinePassed(start.VerificationId, start.Deadline));

    /// <summary>1. The agent starts the job (or answers the one it started for this verification already).</summary>
    public async Task<object> Handle(RunVerificationJob _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var answer = await agents.StartVerifyJobAsync(Cluster, Instance,
            new VerifyBackupRequest(JobId, Manifest.ArtifactKey, Manifest.Compression, Manifest.Sha256, Manifest.GtidExecuted), cancellation);
        if (!answer.Succeeded)
            return answer.Unreachable || answer.Status is 0 or >= 500
                ? throw new AgentUnavailableException(answer.Failure!)
                : new FailVerification(Id, answer.Failure!);
        session.Events.Append(BackupId, new VerificationJobAccepted(Id, BackupId, Instance, JobId, clock.GetUtcNow()));
        return Next(answer.Job!);
    }

    /// <summary>2. The job, looked at until it ends. An agent that cannot be reached is asked again until the deadline.</summary>
    public async Task<object> Handle(CheckVerificationJob check, AgentClient agents, CancellationToken cancellation)
    {
        var answer = await agents.JobAsync(Cluster, Instance, JobId, cancellation);
        if (answer.Succeeded) return Next(answer.Job!);
        return answer.Status == 404 ? new FailVerification(Id, $"'{Instance}'s agent has no record of the job: {answer.Failure}") : check with { };
    }

    /// <summary>What the job calls for: a completed job with nothing wrong proves the backup; anything it found fails the verification with what it found.</summary>
    private object Next(AgentJob job)
    {
        switch (job.State)
        {
            case AgentJobState.Running:
                return new CheckVerificationJob(Id, PollInterval);
            case AgentJobState.Completed when job.Verification is { Problems: [] } report:
                return new CompleteVerification(Id, report);
            case AgentJobState.Completed when job.Verification is { } report:
                return new FailVerification(Id, string.Join("; ", report.Problems));
            case AgentJobState.Completed:
                return new FailVerification(Id, $"'{Instance}'s agent reports the verification completed without a report");
            default:
                return new FailVerification(Id, job.Failure ?? $"'{Instance}'s agent reports the verification failed without a reason");
        }
    }

    /// <summary>3. The backup is proven: the report is recorded on its stream.</summary>
    public void Handle(CompleteVerification complete, IDocumentSession session, TimeProvider clock)
    {
        var report = complete.Report;
        session.Events.Append(BackupId, new BackupVerified(Id, BackupId, ClusterId, Instance, report.GtidExecuted, report.Tables, clock.GetUtcNow()));
        MarkCompleted();
    }

    /// <summary>The verification failed: a job that may still run is cancelled (the agent stops its scratch server and removes its folder).</summary>
    public async Task Handle(FailVerification failed, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        await agents.CancelJobAsync(Cluster, Instance, JobId, cancellation);
        session.Events.Append(BackupId, new BackupVerificationFailed(Id, BackupId, ClusterId, failed.Reason, clock.GetUtcNow()));
        MarkCompleted();
    }

    public FailVerification Handle(VerificationDeadlinePassed deadline) =>
        new(Id, $"the verification did not end within its deadline of {deadline.After.TotalMinutes:0.#} min");

    /// <summary>A failure reported for a verification that has ended already: nothing is left to do.</summary>
    public static void NotFound(FailVerification failed, ILogger<Verification> logger) => LogEndedAlready(logger, failed.VerificationId, failed.Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Verification {Verification} had ended already when its failure arrived: {Reason}")]
    private static partial void LogEndedAlready(ILogger logger, Guid verification, string reason);
}
