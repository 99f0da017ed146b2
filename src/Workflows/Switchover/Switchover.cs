using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Operations;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Topology;
using Wolverine;

namespace MySqlHa.Workflows.Switchover;

/// <summary>
/// A planned switchover, as MoHA and LAIN do it, made durable: check; then hold traffic, freeze the old master, let
/// the candidate catch up, promote and publish it, in one step, so that writes wait on no hand-off; repoint the
/// others; record. Each step is a message; Wolverine keeps the saga in Marten between steps, so a controller that dies
/// mid-way resumes at the step it was at. Steps talk to the agents with command ids derived from the operation, so a
/// step that runs again is answered, not repeated. Before promotion any failure puts the old master back to
/// read-write; after it, failures are recorded as needing attention and the switch goes on. Every switchover ends: a
/// step that still fails after its retries, or a deadline that passes, ends it aborted before promotion and needing
/// attention after.
/// </summary>
public sealed partial class Switchover : Saga
{
    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string? RequestedCandidate { get; set; }
    public bool KillSessions { get; set; }
    public TimeSpan CatchUpTimeout { get; set; }
    public TimeSpan TransactionWait { get; set; }

    /// <summary>No promotion starts after this moment: one that did could still be under way at the deadline.</summary>
    public DateTimeOffset PromoteBy { get; set; }
    public SwitchoverStep Step { get; set; } = SwitchoverStep.Requested;
    public string OldMaster { get; set; } = "";
    public string Candidate { get; set; } = "";
    public bool Mutual { get; set; }
    public List<string> Replicas { get; set; } = [];
    public string OldMasterFinalGtid { get; set; } = "";
    public string NewMasterGtid { get; set; } = "";
    public string? NewMasterBinlogFile { get; set; }
    public long? NewMasterBinlogPosition { get; set; }
    public List<string> NeedsAttention { get; set; } = [];

    /// <summary>Time for the promotion's answer beyond the candidate's bounded relay-log apply.</summary>
    private static readonly TimeSpan PromotionAnswer = TimeSpan.FromSeconds(5);

    public static (Switchover, CheckSwitchover, SwitchoverDeadlinePassed) Start(StartSwitchover start, IDocumentSession session, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        session.Events.StartStream(start.SwitchoverId, new SwitchoverRequested(start.SwitchoverId, start.ClusterId, start.Cluster,
            start.Candidate, start.KillSessions, start.CatchUpTimeout, now));
        var saga = new Switchover
        {
            Id = start.SwitchoverId, ClusterId = start.ClusterId, Cluster = start.Cluster, RequestedCandidate = start.Candidate,
            KillSessions = start.KillSessions, CatchUpTimeout = start.CatchUpTimeout, TransactionWait = start.TransactionWait,
            PromoteBy = now + start.Deadline - start.CatchUpTimeout - PromotionAnswer,
        };
        return (saga, new CheckSwitchover(start.SwitchoverId), new SwitchoverDeadlinePassed(start.SwitchoverId, start.Deadline));
    }

    /// <summary>1. Pre-checks on live statuses read through the agents.</summary>
    public async Task<object> Handle(CheckSwitchover _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        Step = SwitchoverStep.PreChecks;
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        var live = await SwitchoverChecks.ReadLiveAsync(cluster, agents, cancellation);
        var plan = SwitchoverPlan.Decide(cluster, RequestedCandidate, live);
        if (plan.Refusal is { } refusal) return new AbortSwitchover(Id, Step, refusal);
        (OldMaster, Candidate, Mutual, Replicas) = (plan.OldMaster, plan.Candidate, plan.Mutual, plan.Replicas.ToList());
        session.Events.Append(Id, new SwitchoverPreChecked(Id, OldMaster, Candidate, live[OldMaster]!.GtidExecuted,
            live[Candidate]!.GtidExecuted, live[Candidate]!.Replication?.SecondsBehindSource, Mutual, Replicas, clock.GetUtcNow()));
        return new SwitchMaster(Id);
    }

    /// <summary>
    /// 2. The switch, in one step so that held writes wait for no hand-off between steps: traffic held, the old master
    /// drained and frozen, the candidate caught up to exactly the frozen set, the freeze proven again, the candidate
    /// promoted and published as the master. Reads that do not depend on each other run side by side. Run again after a
    /// crash, the step gets every command's first answer from the agents (the command ids derive from the operation),
    /// so it goes the same way; up to the promotion a refusal aborts, and the old master writes again.
    /// </summary>
    public async Task<object> Handle(SwitchMaster _, IDocumentSession session, AgentClient agents, ClusterStream clusters, TopologyPublisher publisher,
        SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        Step = SwitchoverStep.HoldTraffic;
        // Proxies hold new read-write connections from now on; open transactions finish meanwhile.
        var holding = publisher.HoldTrafficAsync(clusters, ClusterId, Id, clock.GetUtcNow(), cancellation);
        var draining = agents.WaitForTransactionsAsync(Cluster, OldMaster, $"{Id}:drain", TransactionWait, cancellation);
        await Task.WhenAll(holding, draining);
        session.Events.Append(Id, new SwitchoverTrafficHeld(Id, await holding, clock.GetUtcNow()));
        if (Drained(await draining) is { } notDrained) return notDrained;
        if (await FreezeOldMasterAsync(session, agents, clock, cancellation) is { } notFrozen) return notFrozen;
        if (await CatchUpCandidateAsync(cluster, session, agents, clock, cancellation) is { } notCaughtUp) return notCaughtUp;
        if (await PromoteCandidateAsync(cluster, session, agents, clock, cancellation) is { } notPromoted) return notPromoted;
        await PublishNewMasterAsync(cluster, clusters, publisher, semiSync, clock, cancellation);
        return new RepointFollowers(Id);
    }

    /// <summary>
    /// Open transactions on the old master get a bounded time to finish; past it, killSessions decides: the freeze ends
    /// them, or the switchover aborts.
    /// </summary>
    private AbortSwitchover? Drained(AgentAnswer<OpenTransactions> drained)
    {
        if (!drained.Succeeded) return new AbortSwitchover(Id, SwitchoverStep.Drain, drained.Failure!);
        var open = drained.Detail?.Open ?? [];
        return open.Count > 0 && !KillSessions
            ? new AbortSwitchover(Id, SwitchoverStep.Drain, $"transactions still open on '{OldMaster}' after {TransactionWait.TotalSeconds:0.#} s " +
                $"(thread user age: {string.Join(", ", open)}); ask again with killSessions to end them")
            : null;
    }

    /// <summary>
    /// The freeze: read-only, and every client session ended but the agent's own, so that no user read_only does not
    /// bind (READ ONLY ADMIN, ALL) can commit; its final position is recorded.
    /// </summary>
    private async Task<AbortSwitchover?> FreezeOldMasterAsync(IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        Step = SwitchoverStep.FreezeOldMaster;
        var frozen = await agents.FreezeAsync(Cluster, OldMaster, $"{Id}:freeze", Mutual, cancellation);
        if (!frozen.Succeeded) return new AbortSwitchover(Id, Step, frozen.Failure!);
        var report = frozen.Detail!;
        if (frozen.ReadOnly != true || report.StillConnected.Count > 0)
            return new AbortSwitchover(Id, Step, $"'{OldMaster}' is not proven frozen: read_only {frozen.ReadOnly}, sessions still connected after " +
                $"{report.SessionsEnded} were ended: {string.Join(", ", report.StillConnected)}");
        // The freeze's answer reads the position after the last session was gone, on the agent's own connection.
        OldMasterFinalGtid = frozen.GtidExecuted ?? "";
        session.Events.Append(Id, new OldMasterFrozen(Id, OldMaster, OldMasterFinalGtid, frozen.BinlogFile, frozen.BinlogPosition,
            report.SessionsEnded, clock.GetUtcNow()));
        return null;
    }

    /// <summary>
    /// The candidate applies exactly the old master's final position, within a bound, and nothing beyond it; then the
    /// old master, read again right before promotion, must still hold exactly the frozen set (moved: abort, and it stays
    /// the master). Read any earlier, a commit slipped in while the candidate caught up would go unseen until the repoint.
    /// </summary>
    private async Task<AbortSwitchover?> CatchUpCandidateAsync(Cluster cluster, IDocumentSession session, AgentClient agents, TimeProvider clock,
        CancellationToken cancellation)
    {
        Step = SwitchoverStep.CatchUp;
        var wait = await agents.WaitForGtidAsync(Cluster, Candidate, $"{Id}:catch-up", OldMasterFinalGtid, CatchUpTimeout, cancellation);
        if (!wait.Succeeded) return new AbortSwitchover(Id, Step, wait.Failure!);
        if (wait.Detail?.Reached != true)
            return new AbortSwitchover(Id, Step, $"'{Candidate}' did not apply {OldMasterFinalGtid} within {CatchUpTimeout.TotalSeconds:0.#} s");
        // Everything the candidate has came from the old master: more than the frozen set means the old master committed after its freeze.
        if (GtidSets.Missing(cluster.Flavor, wait.GtidExecuted ?? "", OldMasterFinalGtid) is { Length: > 0 } beyond)
            return new AbortSwitchover(Id, Step, $"'{Candidate}' applied {beyond} beyond the frozen set {OldMasterFinalGtid}: '{OldMaster}' committed after its freeze");
        session.Events.Append(Id, new CandidateCaughtUp(Id, Candidate, wait.GtidExecuted ?? "", clock.GetUtcNow()));

        Step = SwitchoverStep.VerifyFreeze;
        if (await agents.StatusAsync(Cluster, OldMaster, cancellation) is not { } seen) return new AbortSwitchover(Id, Step, $"'{OldMaster}' could not be read again before promotion: its freeze is not proven");
        if (GtidSets.Missing(cluster.Flavor, seen.GtidExecuted, OldMasterFinalGtid) is { Length: > 0 } moved)
            return new AbortSwitchover(Id, Step, $"'{OldMaster}' committed {moved} after its freeze at {OldMasterFinalGtid} (read before promotion)");
        session.Events.Append(Id, new OldMasterFreezeVerified(Id, OldMaster, seen.GtidExecuted, FreezeProofMoment.BeforePromotion, clock.GetUtcNow()));
        return null;
    }

    /// <summary>
    /// Promotion, the point of no return. None starts so late that it could outlast the deadline.
    /// </summary>
    private async Task<AbortSwitchover?> PromoteCandidateAsync(Cluster cluster, IDocumentSession session, AgentClient agents, TimeProvider clock,
        CancellationToken cancellation)
    {
        Step = SwitchoverStep.Promote;
        // The deadline's ending judges by the candidate's state, which a promotion started before PromoteBy has settled
        // by then. A run of this step that published the new master already goes on: the records name it.
        if (clock.GetUtcNow() > PromoteBy && cluster.Master?.Name != Candidate)
            return new AbortSwitchover(Id, Step, $"too close to the switchover's deadline to promote '{Candidate}' within {CatchUpTimeout.TotalSeconds:0.#} s");
        // Whatever the candidate received beyond the frozen set is applied before it is promoted, never discarded.
        var promoted = await agents.PromoteAsync(Cluster, Candidate, $"{Id}:promote", CatchUpTimeout, cancellation);
        if (!promoted.Succeeded) return new AbortSwitchover(Id, Step, promoted.Failure!);
        (NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition) = (promoted.GtidExecuted ?? "", promoted.BinlogFile, promoted.BinlogPosition);
        session.Events.Append(Id, new ReplicaPromoted(Id, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition, clock.GetUtcNow()));
        return null;
    }

    /// <summary>
    /// The new master takes writes at once: semi-sync moves to it first (its writes wait for a follower's
    /// acknowledgement, which the repoint brings), then the records name it and the proxies follow the publication.
    /// The followers are repointed in the next step.
    /// </summary>
    private async Task PublishNewMasterAsync(Cluster cluster, ClusterStream clusters, TopologyPublisher publisher, SemiSyncConfigurator semiSync,
        TimeProvider clock, CancellationToken cancellation)
    {
        NeedsAttention.AddRange(await semiSync.MoveRolesAsync(cluster, Id, Candidate, [OldMaster], cancellation));
        var oldMasterRole = cluster.Find(Candidate)!.Role;
        var switched = await clusters.AppendAsync(ClusterId, c => c.Master?.Name == Candidate ? null
            : new MasterSwitched(ClusterId, Id, OldMaster, Candidate, oldMasterRole, Mutual, NewMasterGtid, NewMasterBinlogFile,
                NewMasterBinlogPosition, clock.GetUtcNow()), cancellation);
        await publisher.PublishAsync(switched!, cancellation);
    }

    /// <summary>
    /// 3. The old master and every other replica follow the new master; a mutual pair stays mutual. The old master
    /// is read a last time first: one that committed after its freeze is fenced instead (never routed to, read-only,
    /// its sessions ended, never repointed) and its extra transactions recorded as diverged.
    /// </summary>
    public async Task<RecordSwitch> Handle(RepointFollowers _, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, ILogger<Switchover> logger, CancellationToken cancellation)
    {
        Step = SwitchoverStep.Repoint;
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        var seen = await SwitchoverChecks.RetryAsync(() => agents.StatusAsync(Cluster, OldMaster, cancellation), status => status is not null);
        var candidateEndpoint = cluster.Find(Candidate)!.Endpoint;
        // A step run again after a crash may find the old master already following the new master, holding its new
        // writes: it was repointed only after this proof had passed, so the proof stands.
        var repointedBefore = seen?.Replication is { } channel && !Mutual && candidateEndpoint.Matches(channel.Source.Host, channel.Source.Port);
        var beyond = seen is null ? null : repointedBefore ? "" : GtidSets.Missing(cluster.Flavor, seen.GtidExecuted, OldMasterFinalGtid);
        var diverged = beyond is not "";
        if (diverged)
            await FenceOldMasterAsync(cluster, seen?.GtidExecuted, beyond, session, agents, clusters, clock, logger, cancellation);
        else if (!repointedBefore)
            session.Events.Append(Id, new OldMasterFreezeVerified(Id, OldMaster, seen!.GtidExecuted, FreezeProofMoment.AtRepoint, clock.GetUtcNow()));
        var moves = Replicas.Prepend(OldMaster).Where(follower => !diverged || follower != OldMaster).Select(follower => (follower, source: Candidate)).ToList();
        if (Mutual && !diverged) moves.Add((Candidate, OldMaster));
        var followingTheNewMaster = 0;
        foreach (var (follower, source) in moves)
        {
            var endpoint = cluster.Find(source)!.Endpoint;
            var repointed = await SwitchoverChecks.RetryAsync(() => agents.ChangeMasterAsync(Cluster, follower, $"{Id}:repoint:{follower}", endpoint, cancellation));
            if (repointed.Succeeded)
            {
                session.Events.Append(Id, new ReplicaRepointed(Id, follower, source, repointed.GtidExecuted ?? "", clock.GetUtcNow()));
                if (source == Candidate) followingTheNewMaster++;
            }
            else
            {
                NeedsAttention.Add($"{follower} does not replicate from {source}: {repointed.Failure}");
                session.Events.Append(Id, new ReplicaRepointFailed(Id, follower, source, repointed.Failure!, clock.GetUtcNow()));
            }
        }
        if (followingTheNewMaster == 0
            && await semiSync.BoundWaitWithoutFollowersAsync((await session.LoadAsync<Cluster>(ClusterId, cancellation))!, Id, Candidate,
                "no follower replicates from it after the switchover", cancellation) is { } bounded)
            NeedsAttention.Add(bounded);
        // A fenced old master is no longer routed to for reads.
        await publisher.PublishAsync([ClusterId], cancellation);
        return new RecordSwitch(Id);
    }

    /// <summary>
    /// The old master committed after its freeze, or cannot be read to prove it did not: it is fenced (the cluster
    /// never routes to it again until an operator repairs it), frozen again, and what it holds beyond the frozen set
    /// is recorded as diverged. The switchover ends needing attention.
    /// </summary>
    private async Task FenceOldMasterAsync(Cluster cluster, string? seenGtid, string? beyond, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TimeProvider clock, ILogger<Switchover> logger, CancellationToken cancellation)
    {
        // "mutual" lets the master-only command through whether or not the old master still replicates (a mutual pair's does).
        var refrozen = await SwitchoverChecks.RetryAsync(() => agents.FreezeAsync(Cluster, OldMaster, $"{Id}:fence", mutual: true, cancellation));
        var confirmed = refrozen.Succeeded && refrozen.ReadOnly == true && refrozen.Detail?.StillConnected.Count == 0;
        var gtid = refrozen.GtidExecuted ?? seenGtid ?? "";
        var divergedGtids = refrozen.GtidExecuted is { } now ? GtidSets.Missing(cluster.Flavor, now, OldMasterFinalGtid) : beyond ?? "";
        var detail = beyond is null ? $"'{OldMaster}' could not be read to prove its freeze before it was repointed"
            : $"'{OldMaster}' committed {divergedGtids} after its freeze at {OldMasterFinalGtid}";
        await clusters.AppendAsync(ClusterId, c => c.Find(OldMaster)!.Fenced ? null
            : new InstanceFenced(ClusterId, Id, OldMaster, confirmed, detail, clock.GetUtcNow()), cancellation);
        session.Events.Append(Id, new OldMasterDiverged(Id, OldMaster, OldMasterFinalGtid, gtid, divergedGtids, confirmed, clock.GetUtcNow()));
        NeedsAttention.Add($"{detail}; it is fenced (read-only confirmed: {confirmed}) and must be repaired before it serves again");
        LogOldMasterDiverged(logger, Cluster, OldMaster, divergedGtids, confirmed);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Cluster}: switchover's old master {Instance} committed after its freeze (diverged GTIDs: {Diverged}); fenced, read-only confirmed: {Confirmed}")]
    private static partial void LogOldMasterDiverged(ILogger logger, string cluster, string instance, string diverged, bool confirmed);

    /// <summary>4. MoHA's switch record in etcd, the operation's end, and the cluster released.</summary>
    public async Task Handle(RecordSwitch _, IDocumentSession session, EtcdConnection etcd, LeaderElection election, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        Step = SwitchoverStep.Record;
        var now = clock.GetUtcNow();
        var record = new SwitchoverSwitchRecord(Id, OldMaster, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition,
            OldMasterFinalGtid, now);
        var (key, _) = await SwitchRecord.WriteOnceAsync(etcd, election.Lead(), Cluster, Id, record, cancellation);
        session.Events.Append(Id, new SwitchRecorded(Id, key, now));
        session.Events.Append(Id, new SwitchoverCompleted(Id, OldMaster, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition,
            NeedsAttention, now));
        var outcome = NeedsAttention.Count == 0 ? "completed" : "needsAttention";
        await clusters.EndOperationAsync(ClusterId, Id, outcome, now, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        Step = SwitchoverStep.Completed;
        MarkCompleted();
    }
}
