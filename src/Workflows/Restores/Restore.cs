using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Lifecycle;
using Wolverine;

namespace MySqlHa.Workflows.Restores;

/// <summary>
/// A backup restored into an instance whose data folder is empty, made durable: its agent restores and starts the
/// server as a job the saga follows; a clone then joins the cluster as a replica of the current master and is
/// followed until the monitor finds it caught up (LAIN's manual scale-out, in one call). Each step is a message kept
/// in Marten, so an Api that dies mid-way is replaced by one that follows the same job. Every restore ends, by its
/// deadline at the latest; a failed one leaves the data folder empty again (the agent's job cleans up).
/// </summary>
public sealed partial class Restore : Saga
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string Instance { get; set; } = "";
    public string Mode { get; set; } = RestoreMode.Restore;
    public Guid BackupId { get; set; }
    public string ArtifactKey { get; set; } = "";
    public BackupCompression Compression { get; set; }
    public string Sha256 { get; set; } = "";
    public string RestoredGtid { get; set; } = "";
    public ReplayPlan Replay { get; set; } = ReplayPlan.None;

    public static string JobIdOf(Guid restoreId) => $"{restoreId}:restore";

    private string ReplayJobId => $"{Id}:replay";

    public static (Restore, RunRestoreJob, RestoreDeadlinePassed) Start(StartRestore start, IDocumentSession session, TimeProvider clock)
    {
        session.Events.StartStream<RestoreRecord>(start.RestoreId, new RestoreStarted(start.RestoreId, start.ClusterId, start.Cluster, start.Instance,
            start.Backup.BackupId, start.Mode, start.Backup.GtidExecuted, start.Target.ToString(), start.Replay.BinlogKeys, clock.GetUtcNow()));
        var saga = new Restore
        {
            Id = start.RestoreId, ClusterId = start.ClusterId, Cluster = start.Cluster, Instance = start.Instance, Mode = start.Mode,
            BackupId = start.Backup.BackupId, ArtifactKey = start.Backup.ArtifactKey, Compression = start.Backup.Compression, Sha256 = start.Backup.Sha256,
            Replay = start.Replay,
        };
        return (saga, new RunRestoreJob(start.RestoreId), new RestoreDeadlinePassed(start.RestoreId, start.Deadline));
    }

    /// <summary>1. The agent starts the restore job (or answers the one it started for this restore already).</summary>
    public async Task<object> Handle(RunRestoreJob _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var answer = await agents.StartRestoreJobAsync(Cluster, Instance, RestoreRequest(), cancellation);
        if (!answer.Succeeded)
            return answer.Unreachable || answer.Status is 0 or >= 500 ? throw new AgentUnavailableException(answer.Failure!) : new FailRestore(Id, answer.Failure!);
        session.Events.Append(Id, new RestoreJobAccepted(Id, Instance, JobIdOf(Id), clock.GetUtcNow()));
        return Next(answer.Job!, session, clock);
    }

    public RestoreBackupRequest RestoreRequest() => new(JobIdOf(Id), ArtifactKey, Compression, Sha256);

    /// <summary>2 (and 3b). The agent's job, looked at until it ends.</summary>
    public async Task<object> Handle(CheckRestoreJob check, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var answer = await agents.JobAsync(Cluster, Instance, check.Replay ? ReplayJobId : JobIdOf(Id), cancellation);
        if (answer.Succeeded) return check.Replay ? NextAfterReplay(answer.Job!, session, clock) : Next(answer.Job!, session, clock);
        return answer.Status == 404 ? new FailRestore(Id, $"'{Instance}'s agent has no record of the job: {answer.Failure}") : check with { };
    }

    private object Next(AgentJob job, IDocumentSession session, TimeProvider clock)
    {
        switch (job.State)
        {
            case AgentJobState.Running:
                return new CheckRestoreJob(Id, PollInterval);
            case AgentJobState.Completed when job.Restored is { } position:
                RestoredGtid = position.GtidExecuted;
                session.Events.Append(Id, new BackupRestored(Id, Instance, BackupId, position, clock.GetUtcNow()));
                return Mode == RestoreMode.Clone ? new JoinAsReplica(Id) : Replay.BinlogKeys.Count > 0 ? new RunReplayJob(Id) : new CompleteRestore(Id);
            case AgentJobState.Completed:
                return new FailRestore(Id, $"'{Instance}'s agent reports the restore completed without the server's position");
            default:
                return new FailRestore(Id, job.Failure ?? $"'{Instance}'s agent reports the restore failed without a reason");
        }
    }

    /// <summary>3b. The planned binlogs are replayed up to the target by the agent, from the restored server's own position on.</summary>
    public async Task<object> Handle(RunReplayJob _, AgentClient agents, IDocumentSession session, TimeProvider clock, CancellationToken cancellation)
    {
        var answer = await agents.StartReplayJobAsync(Cluster, Instance,
            new ReplayBinlogsRequest(ReplayJobId, Replay.BinlogKeys, Replay.StopGtid, Replay.StopAt), cancellation);
        if (!answer.Succeeded)
            return answer.Unreachable || answer.Status is 0 or >= 500 ? throw new AgentUnavailableException(answer.Failure!) : new FailRestore(Id, answer.Failure!);
        return NextAfterReplay(answer.Job!, session, clock);
    }

    private object NextAfterReplay(AgentJob job, IDocumentSession session, TimeProvider clock)
    {
        switch (job.State)
        {
            case AgentJobState.Running:
                return new CheckRestoreJob(Id, PollInterval, Replay: true);
            case AgentJobState.Completed when job.Restored is { } position:
                session.Events.Append(Id, new BinlogsReplayed(Id, Instance, Replay.BinlogKeys, Replay.StopGtid, Replay.StopAt, position, clock.GetUtcNow()));
                return new CompleteRestore(Id);
            default:
                return new FailRestore(Id, $"the binlog replay failed: {job.Failure ?? "the agent gave no reason"} " +
                                           "(the server holds the backup and whatever was replayed before the failure: stop it and empty its data folder to restore again)");
        }
    }

    /// <summary>3. A clone is registered as a replica and replicates from the master (each part skipped when a replayed step finds it done).</summary>
    public async Task<object> Handle(JoinAsReplica _, IDocumentSession session, LifecycleRunner lifecycle, TimeProvider clock, CancellationToken cancellation)
    {
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        var instance = cluster.Find(Instance)!;
        if (instance.Role == InstanceRole.Unregistered
            && await lifecycle.RunAsync(ClusterId, new RegisterInstance(Instance, InstanceRole.Replica), cancellation) is not LifecycleResult.Done)
            return new FailRestore(Id, $"'{Instance}' could not be registered as a replica (its role changed meanwhile?)");
        var activated = await lifecycle.RunAsync(ClusterId, new ActivateReplication(Instance), cancellation);
        var joined = activated switch
        {
            LifecycleResult.Done { Event: ReplicationActivated e } => e,
            LifecycleResult.Refused when (await session.LoadAsync<Cluster>(ClusterId, cancellation))!.Find(Instance)!.ReplicationActive => null,
            LifecycleResult.Refused refused => throw new CloneNotJoinedException(refused.Reason),
            LifecycleResult.AgentFailed failed => throw new CloneNotJoinedException(failed.Reason),
            _ => throw new CloneNotJoinedException($"activation answered {activated}"),
        };
        if (joined is not null) session.Events.Append(Id, new CloneJoined(Id, Instance, joined.Source, joined.GtidExecuted, clock.GetUtcNow()));
        return new CheckCloneCaughtUp(Id, PollInterval);
    }

    /// <summary>4. Done once the monitor finds the clone OK: replicating, in step with the master.</summary>
    public async Task<object> Handle(CheckCloneCaughtUp _, IDocumentSession session, CancellationToken cancellation)
    {
        var instance = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!.Find(Instance)!;
        return instance.Status == InstanceStatus.Ok ? new CompleteRestore(Id) : new CheckCloneCaughtUp(Id, PollInterval);
    }

    public async Task Handle(CompleteRestore _, IDocumentSession session, AgentClient agents, ClusterStream clusters, TimeProvider clock,
        CancellationToken cancellation)
    {
        var status = await agents.StatusAsync(Cluster, Instance, cancellation) ?? throw new AgentUnavailableException($"'{Instance}'s agent cannot read its server");
        var now = clock.GetUtcNow();
        session.Events.Append(Id, new RestoreCompleted(Id, ClusterId, Instance, status.GtidExecuted, now));
        await EndAsync(clusters, RestoreRecord.Completed, now, cancellation);
    }

    /// <summary>The restore failed: a job that may still run is cancelled (its cleanup empties the data folder again).</summary>
    public async Task Handle(FailRestore failed, IDocumentSession session, AgentClient agents, ClusterStream clusters, TimeProvider clock,
        CancellationToken cancellation)
    {
        await agents.CancelJobAsync(Cluster, Instance, JobIdOf(Id), cancellation);
        await agents.CancelJobAsync(Cluster, Instance, ReplayJobId, cancellation);
        var now = clock.GetUtcNow();
        session.Events.Append(Id, new RestoreFailed(Id, ClusterId, failed.Reason, now));
        await EndAsync(clusters, RestoreRecord.Failed, now, cancellation);
    }

    public FailRestore Handle(RestoreDeadlinePassed deadline) =>
        new(Id, $"the restore did not end within its deadline of {deadline.After.TotalMinutes:0.#} min");

    public static void NotFound(FailRestore failed, ILogger<Restore> logger) => LogEndedAlready(logger, failed.RestoreId, failed.Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restore {Restore} had ended already when its failure arrived: {Reason}")]
    private static partial void LogEndedAlready(ILogger logger, Guid restore, string reason);

    private async Task EndAsync(ClusterStream clusters, string outcome, DateTimeOffset now, CancellationToken cancellation)
    {
        await clusters.AppendAsync(ClusterId, c => c.RunningRestores.GetValueOrDefault(Instance) == Id
            ? new InstanceRestoreEnded(ClusterId, Id, Instance, outcome, now) : null, cancellation);
        MarkCompleted();
    }
}

/// <summary>The clone's registration or activation was refused or failed: retried, then the restore fails with the reason.</summary>
public sealed class CloneNotJoinedException(string reason) : Exception(reason);
