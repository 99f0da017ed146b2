using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// A full physical backup, made durable: the instance's agent runs the backup tool as a job of its own, streaming the
/// compressed backup into the repository; the saga follows the job until it ends, checks what the repository holds,
/// and records the manifest, or the reason it failed. Each step is a message kept in Marten, so an Api that dies
/// mid-backup is replaced by one that follows the same job (its command id derives from the backup). Every backup
/// ends: by its deadline at the latest, a running job is cancelled and every partial file removed.
/// </summary>
public sealed partial class Backup : Saga
{
    /// <summary>
    /// How long one look at a running job waits at the agent for its end: the saga learns of the end as it happens
    /// rather than at its next look (a poll every second, each delivered by Wolverine's poll of scheduled messages, saw
    /// the end 0.76 s late, the median of a quiet benchmark run). Its progress is kept, not recorded as events.
    /// </summary>
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(5);

    /// <summary>How soon an agent that did not answer, or answered without waiting, is asked again.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string Instance { get; set; } = "";
    public BackupCompression Compression { get; set; }
    public long BytesDone { get; set; }
    public int UnansweredChecks { get; set; }

    private string JobId => $"{Id}:backup";

    public static (Backup, RunBackupJob, BackupDeadlinePassed) Start(StartBackup start, IDocumentSession session, TimeProvider clock)
    {
        session.Events.StartStream<BackupRecord>(start.BackupId, new BackupStarted(start.BackupId, start.ClusterId, start.Cluster, start.Instance,
            start.Trigger, start.Compression, clock.GetUtcNow()));
        var saga = new Backup
        {
            Id = start.BackupId, ClusterId = start.ClusterId, Cluster = start.Cluster, Instance = start.Instance, Compression = start.Compression,
        };
        return (saga, new RunBackupJob(start.BackupId), new BackupDeadlinePassed(start.BackupId, start.Deadline));
    }

    /// <summary>1. The agent starts the job (or answers the one it started for this backup already).</summary>
    public async Task<object> Handle(RunBackupJob _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var answer = await agents.StartBackupJobAsync(Cluster, Instance, JobId, Id, Compression, cancellation);
        if (!answer.Succeeded)
            return answer.Unreachable || answer.Status is 0 or >= 500
                ? throw new AgentUnavailableException(answer.Failure!)
                : new FailBackup(Id, answer.Failure!);
        session.Events.Append(Id, new BackupJobAccepted(Id, Instance, JobId, clock.GetUtcNow()));
        return Next(answer.Job!, TimeSpan.Zero);
    }

    /// <summary>
    /// 2. The job, followed until it ends: each look waits at the agent for the end, and the next look follows at once.
    /// An agent that cannot be reached is asked again until the deadline; one that answers a running job without
    /// waiting (an older agent) is looked at every <see cref="PollInterval"/>.
    /// </summary>
    public async Task<object> Handle(CheckBackupJob _, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var asked = clock.GetTimestamp();
        var answer = await agents.FollowJobAsync(Cluster, Instance, JobId, EndWait, cancellation);
        if (answer.Succeeded) return Next(answer.Job!, clock.GetElapsedTime(asked) < EndWait / 2 ? PollInterval : TimeSpan.Zero);
        if (answer.Status == 404) return new FailBackup(Id, $"'{Instance}'s agent has no record of the job: {answer.Failure}");
        UnansweredChecks++;
        return new CheckBackupJob(Id, PollInterval);
    }

    private object Next(AgentJob job, TimeSpan untilNextLook)
    {
        BytesDone = job.BytesDone;
        return job.State switch
        {
            AgentJobState.Running => new CheckBackupJob(Id, untilNextLook),
            AgentJobState.Completed when job.Manifest is { } manifest => new VerifyBackup(Id, manifest),
            AgentJobState.Completed => new FailBackup(Id, $"'{Instance}'s agent reports the job completed without a manifest"),
            _ => new FailBackup(Id, job.Failure ?? $"'{Instance}'s agent reports the job failed without a reason"),
        };
    }

    /// <summary>3. Completed only once the repository is seen to hold what the agent says it wrote.</summary>
    public async Task<ApplyBackupRetention> Handle(VerifyBackup verify, IDocumentSession session, BackupStorage storage, ClusterStream clusters,
        TimeProvider clock, CancellationToken cancellation)
    {
        var problem = await BackupVerification.ProblemAsync(storage.Required(), Cluster, Id, verify.Manifest, cancellation);
        if (problem is not null) throw new BackupNotProvenException(problem);
        var now = clock.GetUtcNow();
        session.Events.Append(Id, new BackupCompleted(Id, ClusterId, verify.Manifest, now));
        await EndAsync(clusters, BackupRecord.Completed, now, cancellation);
        return new ApplyBackupRetention(ClusterId);
    }

    /// <summary>
    /// The backup failed: a job that may still run is cancelled (the agent removes its files), and whatever the
    /// repository holds of this backup is removed too, committed or not: a failed backup leaves nothing behind.
    /// </summary>
    public async Task Handle(FailBackup failed, IDocumentSession session, AgentClient agents, BackupStorage storage, ClusterStream clusters,
        TimeProvider clock, CancellationToken cancellation)
    {
        await agents.CancelJobAsync(Cluster, Instance, JobId, cancellation);
        var removed = 0;
        if (storage.Repository is { } repository)
        {
            removed = await repository.RemovePartialUploadsAsync(BackupKeys.BackupFolder(Cluster, Id), cancellation);
            foreach (var key in new[] { BackupKeys.Artifact(Cluster, Id, Compression), BackupKeys.Manifest(Cluster, Id) })
                if (await repository.DeleteAsync(key, cancellation)) removed++;
        }
        var now = clock.GetUtcNow();
        session.Events.Append(Id, new BackupFailed(Id, ClusterId, failed.Reason, removed, now));
        await EndAsync(clusters, BackupRecord.Failed, now, cancellation);
    }

    public FailBackup Handle(BackupDeadlinePassed deadline) =>
        new(Id, $"the backup did not end within its deadline of {deadline.After.TotalMinutes:0.#} min ({BytesDone} bytes stored by then)");

    /// <summary>A failure reported for a backup that has ended already: nothing is left to do.</summary>
    public static void NotFound(FailBackup failed, ILogger<Backup> logger) => LogEndedAlready(logger, failed.BackupId, failed.Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backup {Backup} had ended already when its failure arrived: {Reason}")]
    private static partial void LogEndedAlready(ILogger logger, Guid backup, string reason);

    private async Task EndAsync(ClusterStream clusters, string outcome, DateTimeOffset now, CancellationToken cancellation)
    {
        await clusters.AppendAsync(ClusterId, c => c.RunningBackup == Id ? new ClusterBackupEnded(ClusterId, Id, outcome, now) : null, cancellation);
        BackupMetrics.Backups.WithLabels(Cluster, outcome).Inc();
        MarkCompleted();
    }
}

/// <summary>The agent could not be reached or failed inside: the step is tried again (see StepFailurePolicy).</summary>
public sealed class AgentUnavailableException(string reason) : Exception(reason);

/// <summary>The repository does not hold what the agent says it wrote: retried (a shared folder may lag), then the backup fails.</summary>
public sealed class BackupNotProvenException(string reason) : Exception(reason);
