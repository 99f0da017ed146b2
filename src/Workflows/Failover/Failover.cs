using Marten;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.Operations;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Switchover;
using MySqlHa.Workflows.Topology;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace MySqlHa.Workflows.Failover;

/// <summary>
/// An unplanned failover, made durable: choose the most advanced follower while traffic is held, fence the failed
/// master, promote the candidate once it applied every transaction it received, publish, repoint the survivors,
/// record, and block automatic recovery until an operator acknowledges. Each step is a message kept in Marten, so a controller
/// that dies mid-way is replaced by one that resumes at the same step; agent command ids derive from the operation,
/// so a step that runs again is answered, not repeated. Nothing is promoted that could lose a transaction the
/// candidate received; before promotion any failure gives up and leaves the cluster as it was, old master unfenced.
/// Every failover ends: a step that still fails after its retries, or a deadline that passes, ends it aborted before
/// promotion and needing attention from it on.
/// </summary>
public sealed partial class Failover : Saga
{
    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string Trigger { get; set; } = "";
    public string? RequestedCandidate { get; set; }
    public bool MasterProcessGone { get; set; }
    public FailoverStep Step { get; set; } = FailoverStep.Started;
    public string OldMaster { get; set; } = "";
    public string? OldMasterLastGtid { get; set; }
    public string? OldMasterLastBinlogFile { get; set; }
    public long? OldMasterLastBinlogPosition { get; set; }
    public string Candidate { get; set; } = "";
    public List<string> Followers { get; set; } = [];
    public string NewMasterGtid { get; set; } = "";
    public string? NewMasterBinlogFile { get; set; }
    public long? NewMasterBinlogPosition { get; set; }
    public List<string> NeedsAttention { get; set; } = [];
    public Dictionary<string, double> PhaseSeconds { get; set; } = [];
    public DateTimeOffset StartedAt { get; set; }

    public static async Task<(Failover, ReplaceFailedMaster, FailoverDeadlinePassed)> Start(StartFailover start, IDocumentSession session, MonitorObservations observations,
        TimeProvider clock, CancellationToken cancellation)
    {
        var cluster = (await session.LoadAsync<Cluster>(start.ClusterId, cancellation))!;
        var oldMaster = cluster.Master!.Name;
        var lastSeen = observations.Find(cluster.Id, oldMaster)?.LastSeen;
        var now = clock.GetUtcNow();
        session.Events.StartStream(start.FailoverId, new FailoverStarted(start.FailoverId, start.ClusterId, start.Cluster, start.Trigger, oldMaster,
            start.Candidate, start.Evidence, lastSeen?.GtidExecuted, lastSeen?.BinaryLog?.File, lastSeen?.BinaryLog?.Position,
            start.LastSeenAlive, start.LostSince, now));
        var saga = new Failover
        {
            Id = start.FailoverId, ClusterId = start.ClusterId, Cluster = start.Cluster, Trigger = start.Trigger, RequestedCandidate = start.Candidate,
            MasterProcessGone = start.MasterProcessGone,
            OldMaster = oldMaster, OldMasterLastGtid = lastSeen?.GtidExecuted, OldMasterLastBinlogFile = lastSeen?.BinaryLog?.File,
            OldMasterLastBinlogPosition = lastSeen?.BinaryLog?.Position, StartedAt = now,
        };
        if (start.LastSeenAlive is { } alive && start.LostSince is { } lost)
        {
            saga.PhaseSeconds["detect"] = (lost - alive).TotalSeconds;
            saga.PhaseSeconds["confirm"] = (now - lost).TotalSeconds;
        }
        return (saga, new ReplaceFailedMaster(start.FailoverId), new FailoverDeadlinePassed(start.FailoverId, start.Deadline));
    }

    /// <summary>
    /// 1. The failed master replaced, in one step so that no hand-off between steps delays the first write: the candidate
    /// chosen and the failed master fenced while traffic is held (<see cref="PrepareAsync"/>); that much checkpointed;
    /// then the candidate promoted and published while the survivors are repointed (<see cref="PromoteAsync"/>). The checkpoint (the saga with its choice,
    /// and the events so far) is written before anything is promoted, so that a run after a crash promotes the same
    /// candidate, and a failure or the deadline from then on is handled as one that may have followed a promotion.
    /// </summary>
    public async Task<object> Handle(ReplaceFailedMaster _, IDocumentSession session, IDocumentStore store, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, MonitorObservations observations, TimeProvider clock, CancellationToken cancellation)
    {
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        if (Step < FailoverStep.Promote)
        {
            var prepared = new List<object>();
            if (await PrepareAsync(cluster, prepared, agents, clusters, publisher, observations, clock, cancellation) is { } refused)
            {
                session.Events.Append(Id, prepared);
                return refused;
            }
            Step = FailoverStep.Promote;
            await using var checkpoint = store.LightweightSession();
            checkpoint.Events.Append(Id, prepared);
            checkpoint.Store(this);
            await checkpoint.SaveChangesAsync(cancellation);
        }
        return await PromoteAsync(cluster, session, agents, semiSync, clusters, publisher, clock, cancellation);
    }

    /// <summary>
    /// The candidate chosen from the followers' live positions (read through their agents) while the proxies are told
    /// to hold new read-write connections ("switching") until the new master is published; then fence before promote:
    /// the failed master proven fenced through its agent (read-only confirmed, every session ended) or proven dead (its
    /// process gone, or every signal finds its host unreachable), and fenced in our records (never routed to again, made
    /// read-only whenever seen writable). The fence waits for the choice, so that with no candidate a master that is
    /// merely unreachable from here stays writable; but a master whose agent proved its process gone cannot be harmed
    /// by it, and is fenced while the choice is made. Without a proof nothing is promoted: a hung master could resume
    /// writable beside the new one. Run again, every part is answered or repeated harmlessly.
    /// </summary>
    private async Task<AbortFailover?> PrepareAsync(Cluster cluster, List<object> events, AgentClient agents, ClusterStream clusters, TopologyPublisher publisher,
        MonitorObservations observations, TimeProvider clock, CancellationToken cancellation)
    {
        Step = FailoverStep.Prepare;
        var began = clock.GetUtcNow();
        var held = publisher.HoldTrafficAsync(clusters, ClusterId, Id, began, cancellation);
        var reading = SwitchoverChecks.ReadFollowersAsync(cluster, agents, cancellation);
        var fencing = MasterProcessGone ? FailedMasterFence.ProveAsync(cluster, OldMaster, Id, agents, observations, cancellation) : null;
        await Task.WhenAll(fencing is null ? [held, reading] : [held, reading, fencing]);
        events.Add(new FailoverTrafficHeld(Id, held.Result, clock.GetUtcNow()));
        var live = reading.Result;
        var plan = FailoverPlan.Decide(cluster, OldMaster, observations.Find(ClusterId, OldMaster)?.LastSeen, RequestedCandidate, live);
        if (plan.Refusal is { } refusal)
            return new AbortFailover(Id, Step, $"{refusal} Passed over: {string.Join("; ", plan.PassedOver)}");
        (Candidate, Followers) = (plan.Candidate, plan.Followers.ToList());
        events.Add(new FailoverCandidateChosen(Id, Candidate, live.ToDictionary(p => p.Key, p => p.Value?.GtidExecuted), plan.PassedOver, clock.GetUtcNow()));
        PhaseSeconds["choose"] = (clock.GetUtcNow() - began).TotalSeconds;

        var fenceBegan = fencing is null ? clock.GetUtcNow() : began;
        var proof = fencing?.Result ?? await FailedMasterFence.ProveAsync(cluster, OldMaster, Id, agents, observations, cancellation);
        if (proof.Kind is not { } kind)
            return new AbortFailover(Id, Step, $"'{OldMaster}' is neither proven fenced nor proven dead, so nothing was promoted: {string.Join("; ", proof.Evidence)}");
        var detail = string.Join("; ", proof.Evidence);
        await clusters.AppendAsync(ClusterId, c => c.Find(OldMaster)!.Fenced ? null
            : new InstanceFenced(ClusterId, Id, OldMaster, kind == FencingProofKind.ReadOnly, detail, clock.GetUtcNow()), cancellation);
        events.Add(new FailedMasterFenced(Id, OldMaster, kind, proof.Evidence, clock.GetUtcNow()));
        PhaseSeconds["fence"] = (clock.GetUtcNow() - fenceBegan).TotalSeconds;
        return null;
    }

    /// <summary>
    /// Promotion, the point of no return. The candidate's agent stops its receiver, reads what it received once the
    /// thread stopped (nothing that arrives later can be missed), applies all of it and only then makes the candidate
    /// writable; what it cannot apply in time it refuses to promote, with its receiver started again. Promoting earlier
    /// would drop what is still in its relay log, acknowledged transactions among them under semi-sync. Then the new
    /// master is published (the proxies flip) while the survivors are repointed: writers wait for neither the other,
    /// nor, under semi-sync, for a hand-off before a follower acknowledges their first write. An answer that never
    /// came may hide a promotion: the failover then ends by what the candidate is seen to be.
    /// </summary>
    private async Task<object> PromoteAsync(Cluster cluster, IDocumentSession session, AgentClient agents, SemiSyncConfigurator semiSync,
        ClusterStream clusters, TopologyPublisher publisher, TimeProvider clock, CancellationToken cancellation)
    {
        var began = clock.GetUtcNow();
        var promoted = await agents.PromoteAsync(Cluster, Candidate, $"{Id}:promote", cluster.FailoverPolicy.RelayLogTimeout, cancellation);
        if (!promoted.Succeeded)
            return promoted.Status == 0 ? new FailFailover(Id, Step, promoted.Failure!) : new AbortFailover(Id, Step, promoted.Failure!);
        (NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition) = (promoted.GtidExecuted ?? "", promoted.BinlogFile, promoted.BinlogPosition);
        session.Events.Append(Id, new CandidateRelayLogApplied(Id, Candidate, promoted.Detail?.ReceivedGtidSet ?? "", NewMasterGtid, clock.GetUtcNow()));
        session.Events.Append(Id, new ReplicaPromoted(Id, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition, clock.GetUtcNow()));
        // Before the followers connect to it: under semi-sync they acknowledge to the new master from the first write.
        // The record read when the step began serves: since then only the hold and the old master's fence were
        // appended, and the master's own role keeps it from the acknowledgers either way.
        NeedsAttention.AddRange(await semiSync.MoveRolesAsync(cluster, Id, Candidate, [], cancellation));
        PhaseSeconds["promote"] = (clock.GetUtcNow() - began).TotalSeconds;

        var flipping = FlipProxiesAsync(clusters, publisher, clock, cancellation);
        var repointing = RepointSurvivorsAsync(cluster, agents, clock, cancellation);
        await Task.WhenAll(flipping, repointing);
        PhaseSeconds["proxy_flip"] = flipping.Result.TotalSeconds;
        var (repointed, took) = repointing.Result;
        foreach (var (@event, problem) in repointed)
        {
            session.Events.Append(Id, @event);
            if (problem is not null) NeedsAttention.Add(problem);
        }
        if (repointed.All(r => r.Problem is not null)
            && await semiSync.BoundWaitWithoutFollowersAsync((await session.LoadAsync<Cluster>(ClusterId, cancellation))!, Id, Candidate,
                "no follower replicates from it after the failover", cancellation) is { } bounded)
            NeedsAttention.Add(bounded);
        PhaseSeconds["repoint"] = took.TotalSeconds;
        Step = FailoverStep.Repoint;
        return new RecordFailover(Id);
    }

    /// <summary>The records name the new master and the proxies follow its publication; answers how long that took.</summary>
    private async Task<TimeSpan> FlipProxiesAsync(ClusterStream clusters, TopologyPublisher publisher, TimeProvider clock, CancellationToken cancellation)
    {
        var began = clock.GetUtcNow();
        var failedOver = await clusters.AppendAsync(ClusterId, c => c.Master?.Name == Candidate ? null
            : new MasterFailedOver(ClusterId, Id, OldMaster, Candidate, c.Find(Candidate)!.Endpoint, NewMasterGtid, clock.GetUtcNow()), cancellation);
        await publisher.PublishAsync(failedOver!, cancellation);
        return clock.GetUtcNow() - began;
    }

    /// <summary>
    /// Every other follower replicates from the new master, side by side, except one holding transactions the new
    /// master lacks: repointing it would diverge it silently, so its replication is stopped and it is reported.
    /// Answers each follower's event, with what needs attention where it was not repointed, and how long it all took.
    /// </summary>
    private async Task<(IReadOnlyList<(object Event, string? Problem)> Repointed, TimeSpan Took)> RepointSurvivorsAsync(Cluster cluster,
        AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        var began = clock.GetUtcNow();
        var repointed = await Task.WhenAll(Followers.Select(follower => RepointAsync(cluster, follower, agents, clock, cancellation)));
        return (repointed, clock.GetUtcNow() - began);
    }

    private async Task<(object Event, string? Problem)> RepointAsync(Cluster cluster, string follower, AgentClient agents, TimeProvider clock,
        CancellationToken cancellation)
    {
        // A follower's agent may be slow to answer on a loaded host: a follower left unrepointed is worse than a wait.
        var snapshot = await SwitchoverChecks.RetryAsync(() => agents.StatusAsync(Cluster, follower, cancellation), status => status is not null);
        var ahead = snapshot is null ? "" : GtidSets.Missing(cluster.Flavor, snapshot.GtidExecuted, NewMasterGtid);
        if (snapshot is null || ahead.Length > 0)
        {
            var reason = snapshot is null ? "it cannot be reached" : $"it has transactions the new master lacks ({ahead}); its replication was stopped";
            if (snapshot is not null)
                await agents.StopReplicationAsync(Cluster, follower, $"{Id}:isolate:{follower}", forgetSource: false, cancellation);
            return (new ReplicaRepointFailed(Id, follower, Candidate, reason, clock.GetUtcNow()), $"{follower} does not replicate from {Candidate}: {reason}");
        }
        var repointed = await SwitchoverChecks.RetryAsync(() => agents.ChangeMasterAsync(Cluster, follower, $"{Id}:repoint:{follower}",
            cluster.Find(Candidate)!.Endpoint, cancellation));
        return repointed.Succeeded
            ? (new ReplicaRepointed(Id, follower, Candidate, repointed.GtidExecuted ?? "", clock.GetUtcNow()), null)
            : (new ReplicaRepointFailed(Id, follower, Candidate, repointed.Failure!, clock.GetUtcNow()), $"{follower} does not replicate from {Candidate}: {repointed.Failure}");
    }

    /// <summary>2. MoHA's switch record in etcd, the audit record with what may be lost, the cluster released and blocked.</summary>
    public async Task Handle(RecordFailover _, IDocumentSession session, EtcdConnection etcd, LeaderElection election, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        Step = FailoverStep.Record;
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        var now = clock.GetUtcNow();
        var possiblyLost = OldMasterLastGtid is null ? null : GtidSets.Missing(cluster.Flavor, OldMasterLastGtid, NewMasterGtid);
        var record = new FailoverSwitchRecord(Id, Trigger, OldMaster, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition,
            OldMasterLastGtid, OldMasterLastBinlogFile, OldMasterLastBinlogPosition, possiblyLost, now);
        var (key, _) = await SwitchRecord.WriteOnceAsync(etcd, election.Lead(), Cluster, Id, record, cancellation);
        session.Events.Append(Id, new SwitchRecorded(Id, key, now));

        var blockedUntil = await BlockAutomaticFailoverAsync(cluster, clusters, now, cancellation);
        PhaseSeconds["total"] = (now - StartedAt).TotalSeconds + PhaseSeconds.GetValueOrDefault("detect") + PhaseSeconds.GetValueOrDefault("confirm");
        session.Events.Append(Id, new FailoverCompleted(Id, OldMaster, Candidate, OldMasterLastGtid, OldMasterLastBinlogFile, OldMasterLastBinlogPosition,
            NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition, possiblyLost, PhaseSeconds, NeedsAttention, blockedUntil, now));
        var ended = await clusters.EndOperationAsync(ClusterId, Id, "completed", now, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        if (ended)
        {
            foreach (var (phase, seconds) in PhaseSeconds) FailoverMetrics.PhaseSeconds.WithLabels(phase).Observe(seconds);
            FailoverMetrics.Failovers.WithLabels(Cluster, Trigger, "completed").Inc();
        }
        Step = FailoverStep.Completed;
        MarkCompleted();
    }

    /// <summary>
    /// Given up before promotion: traffic released, the old master unfenced, the candidate receiving again, the cluster
    /// freed for an operator. Both are decided from the records and the step reached, not only from what this saga
    /// saw finish: a step that failed half-way may have done either. (A master that is fenced in the records while
    /// they still name it the master was fenced by this failover, which promoted nobody.)
    /// </summary>
    public async Task Handle(AbortFailover abort, IDocumentSession session, AgentClient agents, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        await clusters.AppendAsync(ClusterId, c => c.Master?.Name != OldMaster || c.Master.Fenced != true ? null
            : new InstanceUnfenced(ClusterId, Id, OldMaster, now), cancellation);
        // Not promoted: the candidate receives again, as it did before the promotion stopped its receiver.
        if (abort.Step >= FailoverStep.Promote)
            await agents.StartReplicationAsync(Cluster, Candidate, $"{Id}:resume-receiving", cancellation);
        var ended = await clusters.EndOperationAsync(ClusterId, Id, "aborted", now, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        session.Events.Append(Id, new FailoverAborted(Id, abort.Step, abort.Reason, now));
        if (ended) FailoverMetrics.Failovers.WithLabels(Cluster, Trigger, "aborted").Inc();
        Step = FailoverStep.Aborted;
        MarkCompleted();
    }

    /// <summary>
    /// A step still failed after its retries (see StepFailurePolicy): before the promotion's checkpoint the failover
    /// gives up as if the step had refused; from it on (a promotion may have gone through) it ends needing attention.
    /// </summary>
    public async Task<AbortFailover?> Handle(FailFailover failed, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        var reason = $"the {failed.Step.Name()} step failed: {failed.Reason}";
        // The saga's own step says whether the promotion's checkpoint was written: past it, a promotion may have gone through.
        if (failed.Step < FailoverStep.Promote && Step < FailoverStep.Promote) return new AbortFailover(Id, failed.Step, reason);
        await InterruptAsync(failed.Step, reason, session, agents, clusters, publisher, semiSync, clock, cancellation);
        return null;
    }

    /// <summary>
    /// The deadline passed before the failover ended. <see cref="Step"/> is where the last step that finished (or the
    /// promotion's checkpoint) left it, and the step may be running still: while it prepares the failover gives up (as if
    /// preparing had failed); from the checkpoint on a promotion may be under way, and nothing is undone beside it.
    /// </summary>
    public async Task<AbortFailover?> Handle(FailoverDeadlinePassed deadline, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        var reason = $"the failover did not end within its deadline of {deadline.After.TotalSeconds:0.#} s (last step finished: {Step.Name()})";
        if (Step < FailoverStep.Prepare) return new AbortFailover(Id, FailoverStep.Prepare, reason);
        await InterruptAsync(Step, reason, session, agents, clusters, publisher, semiSync, clock, cancellation);
        return null;
    }

    /// <summary>A failure reported for a failover that has ended already (the step's retry lost to the ending): nothing is left to do.</summary>
    public static void NotFound(FailFailover failed, ILogger<Failover> logger) => LogEndedAlready(logger, failed.FailoverId, failed.Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover {Operation} had ended already when its step failure arrived: {Reason}")]
    private static partial void LogEndedAlready(ILogger logger, Guid operation, string reason);

    /// <summary>
    /// Ends a failover that cannot finish from its promotion on. The failed master stays fenced. The candidate seen
    /// promoted (writable, replicating from nobody), the records and the proxies follow it and automatic failover is
    /// blocked as after any failover; otherwise the servers' states are recorded for the operator.
    /// </summary>
    private async Task InterruptAsync(FailoverStep step, string reason, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        NeedsAttention.Add(reason);
        var candidate = await agents.StatusAsync(Cluster, Candidate, cancellation);
        var promoted = NewMasterGtid.Length > 0 || candidate is { ReadOnly: false, Replication: null };
        var now = clock.GetUtcNow();
        if (promoted)
        {
            var gtid = NewMasterGtid.Length > 0 ? NewMasterGtid : candidate!.GtidExecuted;
            await clusters.AppendAsync(ClusterId, c => c.Master?.Name == Candidate ? null
                : new MasterFailedOver(ClusterId, Id, OldMaster, Candidate, c.Find(Candidate)!.Endpoint, gtid, now), cancellation);
            await BlockAutomaticFailoverAsync((await session.LoadAsync<Cluster>(ClusterId, cancellation))!, clusters, now, cancellation);
            if (Step < FailoverStep.Repoint)
            {
                NeedsAttention.Add($"the followers may not replicate from '{Candidate}'");
                if (await semiSync.BoundWaitWithoutFollowersAsync((await session.LoadAsync<Cluster>(ClusterId, cancellation))!, Id, Candidate,
                        "the failover was interrupted before its followers were repointed", cancellation) is { } bounded)
                    NeedsAttention.Add(bounded);
            }
        }
        else
            NeedsAttention.Add($"'{Candidate}' is not seen promoted ({(candidate is null ? "it could not be read" :
                $"read_only {candidate.ReadOnly}, replicating: {candidate.Replication is not null}, gtid {candidate.GtidExecuted}")}); " +
                $"'{OldMaster}' stays fenced and the records still name it the master");
        session.Events.Append(Id, new FailoverInterrupted(Id, step, reason, promoted, NeedsAttention, now));
        if (await clusters.EndOperationAsync(ClusterId, Id, "needsAttention", now, cancellation))
            FailoverMetrics.Failovers.WithLabels(Cluster, Trigger, "needsAttention").Inc();
        await publisher.PublishAsync([ClusterId], cancellation);
        Step = FailoverStep.Interrupted;
        MarkCompleted();
    }

    /// <summary>After a failover, automatic recovery waits for the block period or an operator's acknowledgement.</summary>
    private async Task<DateTimeOffset> BlockAutomaticFailoverAsync(Cluster cluster, ClusterStream clusters, DateTimeOffset now, CancellationToken cancellation)
    {
        var blockedUntil = now + cluster.FailoverPolicy.BlockPeriod;
        await clusters.AppendAsync(ClusterId, c => c.AutomaticFailoverBlockedUntil >= blockedUntil ? null
            : new AutomaticFailoverBlocked(ClusterId, Id, blockedUntil, now), cancellation);
        return blockedUntil;
    }
}
