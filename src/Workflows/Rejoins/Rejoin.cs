using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Lifecycle;
using MySqlHa.Workflows.Restores;
using Wolverine;

namespace MySqlHa.Workflows.Rejoins;

/// <summary>
/// A fenced old master rejoins, made durable: its agent extracts the transactions it holds beyond the master into the
/// repository (for review and re-application), undoes them by flashback, and it is unfenced and made a replica of the
/// master, followed until the monitor finds it OK. When flashback cannot undo them (DDL or statements among those
/// transactions, a flashback that failed), the instance is rebuilt from the cluster's newest backup instead (see
/// Rejoin.Rebuild.cs). Whatever else cannot be done ends the rejoin needing attention, with the reason and the
/// instance still fenced.
/// </summary>
public sealed partial class Rejoin : Saga
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string Instance { get; set; } = "";
    public string Master { get; set; } = "";
    public string MasterGtidState { get; set; } = "";
    public List<string> ExtraGtids { get; set; } = [];
    public bool Unfenced { get; set; }
    public DateTimeOffset DeadlineAt { get; set; }

    private string ExtractionJobId => $"{Id}:extract";

    private string FlashbackJobId => $"{Id}:flashback";

    public static (Rejoin, ExtractDivergedTransactions, RejoinDeadlinePassed) Start(StartRejoin start, IDocumentSession session, TimeProvider clock)
    {
        session.Events.StartStream<RejoinRecord>(start.RejoinId, new RejoinStarted(start.RejoinId, start.ClusterId, start.Cluster, start.Instance,
            start.Master, start.MasterGtidState, clock.GetUtcNow()));
        var saga = new Rejoin
        {
            Id = start.RejoinId, ClusterId = start.ClusterId, Cluster = start.Cluster, Instance = start.Instance, Master = start.Master,
            MasterGtidState = start.MasterGtidState, DeadlineAt = clock.GetUtcNow() + start.Deadline,
        };
        return (saga, new ExtractDivergedTransactions(start.RejoinId), new RejoinDeadlinePassed(start.RejoinId, start.Deadline));
    }

    /// <summary>1. The extraction: the instance's transactions the master lacks, kept in the repository as events and as readable SQL.</summary>
    public async Task<object> Handle(ExtractDivergedTransactions _, IDocumentSession session, AgentClient agents, TimeProvider clock,
        CancellationToken cancellation)
    {
        var answer = await agents.StartExtractDivergedJobAsync(Cluster, Instance, new ExtractDivergedRequest(ExtractionJobId, MasterGtidState, Id), cancellation);
        return Started(answer, RejoinJob.Extraction, session, clock);
    }

    /// <summary>2. The flashback of exactly the extracted transactions.</summary>
    public async Task<object> Handle(UndoDivergedTransactions _, IDocumentSession session, AgentClient agents, TimeProvider clock,
        CancellationToken cancellation)
    {
        var answer = await agents.StartFlashbackJobAsync(Cluster, Instance, new FlashbackRequest(FlashbackJobId, Id, string.Join(",", ExtraGtids)), cancellation);
        return Started(answer, RejoinJob.Flashback, session, clock);
    }

    private object Started(AgentJobAnswer answer, RejoinJob step, IDocumentSession session, TimeProvider clock)
    {
        if (answer.Succeeded) return Next(answer.Job!, step, session, clock);
        if (answer.Unreachable || answer.Status is 0 or >= 500) throw new AgentUnavailableException(answer.Failure!);
        return step switch
        {
            RejoinJob.Flashback => new RebuildFromBackup(Id, $"the flashback was refused: {answer.Failure}"),
            RejoinJob.SetAside => new EndRejoin(Id, $"{RebuildReason}; setting '{Instance}'s data aside for a rebuild was refused: {answer.Failure}"),
            _ => new EndRejoin(Id, $"the extraction was refused: {answer.Failure}"),
        };
    }

    public async Task<object> Handle(CheckRejoinJob check, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var answer = await agents.JobAsync(Cluster, Instance, JobIdOf(check.Job), cancellation);
        if (answer.Succeeded) return Next(answer.Job!, check.Job, session, clock);
        return answer.Status == 404 ? new EndRejoin(Id, $"'{Instance}'s agent has no record of the job: {answer.Failure}") : check with { };
    }

    private string JobIdOf(RejoinJob step) => step switch
    {
        RejoinJob.Extraction => ExtractionJobId,
        RejoinJob.Flashback => FlashbackJobId,
        _ => SetAsideJobId,
    };

    private object Next(AgentJob job, RejoinJob step, IDocumentSession session, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        switch (job.State)
        {
            case AgentJobState.Running:
                return new CheckRejoinJob(Id, PollInterval, step);
            case AgentJobState.Completed when step == RejoinJob.SetAside && job.SetAside is { } setAside:
                SetAsideFolder = setAside.Folder;
                session.Events.Append(Id, new DivergedDataSetAside(Id, Instance, setAside, now));
                return new CloneChosenBackup(Id);
            case AgentJobState.Completed when step == RejoinJob.Extraction && job.Diverged is { } diverged:
                ExtraGtids = [.. diverged.ExtraGtids];
                session.Events.Append(Id, new DivergedTransactionsExtracted(Id, Instance, diverged, now));
                return ExtraGtids.Count > 0 ? new UndoDivergedTransactions(Id) : new JoinMaster(Id);
            case AgentJobState.Completed when step == RejoinJob.Flashback && job.Restored is { } position:
                session.Events.Append(Id, new DivergedTransactionsUndone(Id, Instance, ExtraGtids, position, now));
                return new JoinMaster(Id);
            case AgentJobState.Completed:
                return new EndRejoin(Id, $"'{Instance}'s agent answered the {job.Kind} job without its result");
            case AgentJobState.Failed when step == RejoinJob.Flashback:
                // The flashback may have undone part of the transactions: the server's data is no longer trusted.
                return new RebuildFromBackup(Id, $"the flashback failed: {job.Failure}; '{Instance}' may be partly undone");
            case AgentJobState.Failed when step == RejoinJob.SetAside:
                return new EndRejoin(Id, $"{RebuildReason}; setting '{Instance}'s data aside for a rebuild failed: {job.Failure}");
            default:
                return new EndRejoin(Id, $"the {job.Kind} job failed: {job.Failure}");
        }
    }

    /// <summary>3. Unfenced in our records and replicating from the master (each part skipped when a replayed step finds it done).</summary>
    public async Task<CheckRejoinCaughtUp> Handle(JoinMaster _, IDocumentSession session, ClusterStream clusters, LifecycleRunner lifecycle,
        TimeProvider clock, CancellationToken cancellation)
    {
        await clusters.AppendAsync(ClusterId, c => c.Find(Instance)!.Fenced ? new InstanceUnfenced(ClusterId, Id, Instance, clock.GetUtcNow()) : null, cancellation);
        Unfenced = true;
        var activated = await lifecycle.RunAsync(ClusterId, new ActivateReplication(Instance), cancellation);
        switch (activated)
        {
            case LifecycleResult.Done { Event: ReplicationActivated e }:
                session.Events.Append(Id, new RejoinedAsReplica(Id, Instance, e.Source, e.GtidExecuted, clock.GetUtcNow()));
                break;
            case LifecycleResult.Refused when (await session.LoadAsync<Cluster>(ClusterId, cancellation))!.Find(Instance)!.ReplicationActive:
                break;
            default:
                throw new CloneNotJoinedException($"'{Instance}' could not be made a replica: {activated}");
        }
        return new CheckRejoinCaughtUp(Id, PollInterval);
    }

    /// <summary>4. Done once the monitor finds it OK: replicating, in step with the master.</summary>
    public async Task<CheckRejoinCaughtUp?> Handle(CheckRejoinCaughtUp check, IDocumentSession session, AgentClient agents, ClusterStream clusters, TimeProvider clock,
        CancellationToken cancellation)
    {
        if ((await session.LoadAsync<Cluster>(ClusterId, cancellation))!.Find(Instance)!.Status != InstanceStatus.Ok) return check with { };
        var status = await agents.StatusAsync(Cluster, Instance, cancellation) ?? throw new AgentUnavailableException($"'{Instance}'s agent cannot read its server");
        var now = clock.GetUtcNow();
        session.Events.Append(Id, new RejoinCompleted(Id, ClusterId, Instance, status.GtidExecuted, now));
        await EndAsync(clusters, "completed", now, cancellation);
        return null;
    }

    /// <summary>The rejoin ends needing an operator; an instance not yet rejoined stays (or is again) fenced.</summary>
    public async Task Handle(EndRejoin end, IDocumentSession session, AgentClient agents, ClusterStream clusters, TimeProvider clock,
        CancellationToken cancellation)
    {
        await agents.CancelJobAsync(Cluster, Instance, ExtractionJobId, cancellation);
        await agents.CancelJobAsync(Cluster, Instance, FlashbackJobId, cancellation);
        var now = clock.GetUtcNow();
        if (Unfenced)
            await clusters.AppendAsync(ClusterId, c => c.Find(Instance) is { Fenced: false, ReplicationActive: false }
                ? new InstanceFenced(ClusterId, Id, Instance, false, $"the rejoin did not end: {end.Reason}", now) : null, cancellation);
        session.Events.Append(Id, new RejoinNeedsAttention(Id, ClusterId, Instance, end.Reason, now));
        await EndAsync(clusters, "needsAttention", now, cancellation);
    }

    public EndRejoin Handle(RejoinDeadlinePassed deadline) => new(Id, $"the rejoin did not end within its deadline of {deadline.After.TotalMinutes:0.#} min");

    public static void NotFound(EndRejoin end, ILogger<Rejoin> logger) => LogEndedAlready(logger, end.RejoinId, end.Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejoin {Rejoin} had ended already when its end arrived: {Reason}")]
    private static partial void LogEndedAlready(ILogger logger, Guid rejoin, string reason);

    private async Task EndAsync(ClusterStream clusters, string outcome, DateTimeOffset now, CancellationToken cancellation)
    {
        await clusters.AppendAsync(ClusterId, c => c.RunningRestores.GetValueOrDefault(Instance) == Id
            ? new InstanceRestoreEnded(ClusterId, Id, Instance, outcome, now) : null, cancellation);
        MarkCompleted();
    }
}
