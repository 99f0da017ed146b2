using Marten;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Operations;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Topology;
using Wolverine;

namespace MySqlHa.Workflows.Switchover;

/// <summary>
/// A planned switchover, as MoHA and LAIN do it, made durable: check, hold traffic, freeze the old master, let the
/// candidate catch up, promote it, repoint the others, publish, record. Each step is a message; Wolverine keeps the
/// saga in Marten between steps, so a controller that dies mid-way resumes at the step it was at. Steps talk to the
/// agents with command ids derived from the operation, so a step that runs again is answered, not repeated.
/// Before promotion any failure puts the old master back to read-write; after it, failures are recorded as needing
/// attention and the switch goes on.
/// </summary>
public sealed class Switchover : Saga
{
    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public string Cluster { get; set; } = "";
    public string? RequestedCandidate { get; set; }
    public bool KillSessions { get; set; }
    public TimeSpan CatchUpTimeout { get; set; }
    public TimeSpan TransactionWait { get; set; }
    public string Step { get; set; } = "requested";
    public string OldMaster { get; set; } = "";
    public string Candidate { get; set; } = "";
    public bool Mutual { get; set; }
    public List<string> Replicas { get; set; } = [];
    public string OldMasterFinalGtid { get; set; } = "";
    public string NewMasterGtid { get; set; } = "";
    public string? NewMasterBinlogFile { get; set; }
    public long? NewMasterBinlogPosition { get; set; }
    public List<string> NeedsAttention { get; set; } = [];

    public static (Switchover, CheckSwitchover) Start(StartSwitchover start, IDocumentSession session, TimeProvider clock)
    {
        session.Events.StartStream(start.SwitchoverId, new SwitchoverRequested(start.SwitchoverId, start.ClusterId, start.Cluster,
            start.Candidate, start.KillSessions, start.CatchUpTimeout, clock.GetUtcNow()));
        var saga = new Switchover
        {
            Id = start.SwitchoverId, ClusterId = start.ClusterId, Cluster = start.Cluster, RequestedCandidate = start.Candidate,
            KillSessions = start.KillSessions, CatchUpTimeout = start.CatchUpTimeout, TransactionWait = start.TransactionWait,
        };
        return (saga, new CheckSwitchover(start.SwitchoverId));
    }

    /// <summary>1. Pre-checks on live statuses read through the agents.</summary>
    public async Task<object> Handle(CheckSwitchover _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        Step = "pre-checks";
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        var live = await SwitchoverChecks.ReadLiveAsync(cluster, agents, cancellation);
        var plan = SwitchoverPlan.Decide(cluster, RequestedCandidate, live);
        if (plan.Refusal is { } refusal) return new AbortSwitchover(Id, Step, refusal);
        (OldMaster, Candidate, Mutual, Replicas) = (plan.OldMaster, plan.Candidate, plan.Mutual, plan.Replicas.ToList());
        session.Events.Append(Id, new SwitchoverPreChecked(Id, OldMaster, Candidate, live[OldMaster]!.GtidExecuted,
            live[Candidate]!.GtidExecuted, live[Candidate]!.Replication?.SecondsBehindSource, Mutual, Replicas, clock.GetUtcNow()));
        return new HoldTraffic(Id);
    }

    /// <summary>2. Publish "switching": proxies hold new read-write connections from now on.</summary>
    public async Task<FreezeOldMaster> Handle(HoldTraffic _, IDocumentSession session, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        Step = "hold-traffic";
        var version = await publisher.HoldTrafficAsync(clusters, ClusterId, Id, clock.GetUtcNow(), cancellation);
        session.Events.Append(Id, new SwitchoverTrafficHeld(Id, version, clock.GetUtcNow()));
        return new FreezeOldMaster(Id);
    }

    /// <summary>
    /// 3. Open transactions on the old master get a bounded time to finish; then it goes read-only (and by option its
    /// sessions end, the long transactions with them); its final position is recorded.
    /// </summary>
    public async Task<object> Handle(FreezeOldMaster _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        Step = "freeze-old-master";
        var drained = await agents.CommandAsync(Cluster, OldMaster, "wait-for-transactions",
            new { commandId = $"{Id}:drain", timeoutSeconds = TransactionWait.TotalSeconds }, TransactionWait, cancellation);
        if (!drained.Succeeded) return new AbortSwitchover(Id, "drain", drained.Failure!);
        var open = drained.Body?["detail"]?["open"]?.AsArray().Select(t => (string?)t).ToList() ?? [];
        if (open.Count > 0 && !KillSessions)
            return new AbortSwitchover(Id, "drain", $"transactions still open on '{OldMaster}' after {TransactionWait.TotalSeconds:0.#} s " +
                $"(thread user age: {string.Join(", ", open)}); ask again with killSessions to end them");
        var frozen = await agents.CommandAsync(Cluster, OldMaster, "set-read-only", new { commandId = $"{Id}:freeze", mutual = Mutual }, null, cancellation);
        if (!frozen.Succeeded) return new AbortSwitchover(Id, Step, frozen.Failure!);
        var killed = 0;
        if (KillSessions)
        {
            var kill = await agents.CommandAsync(Cluster, OldMaster, "kill-connections", new { commandId = $"{Id}:kill-sessions" }, null, cancellation);
            if (!kill.Succeeded) return new AbortSwitchover(Id, Step, kill.Failure!);
            killed = (int?)kill.Body?["detail"]?["killed"] ?? 0;
        }
        // Read after any kill, so that the position includes whatever committed meanwhile.
        var final = await agents.StatusAsync(Cluster, OldMaster, cancellation);
        if (final is null) return new AbortSwitchover(Id, Step, $"the old master '{OldMaster}' stopped answering after going read-only");
        OldMasterFinalGtid = final.GtidExecuted;
        session.Events.Append(Id, new OldMasterFrozen(Id, OldMaster, final.GtidExecuted, final.BinaryLog?.File, final.BinaryLog?.Position,
            killed, clock.GetUtcNow()));
        return new CatchUpCandidate(Id);
    }

    /// <summary>4. The candidate applies exactly the old master's final position, within a bound.</summary>
    public async Task<object> Handle(CatchUpCandidate _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        Step = "catch-up";
        var wait = await agents.CommandAsync(Cluster, Candidate, "wait-for-gtid",
            new { commandId = $"{Id}:catch-up", gtidSet = OldMasterFinalGtid, timeoutSeconds = CatchUpTimeout.TotalSeconds }, CatchUpTimeout, cancellation);
        if (!wait.Succeeded) return new AbortSwitchover(Id, Step, wait.Failure!);
        if (wait.Body?["detail"]?["reached"]?.GetValue<bool>() != true)
            return new AbortSwitchover(Id, Step, $"'{Candidate}' did not apply {OldMasterFinalGtid} within {CatchUpTimeout.TotalSeconds:0.#} s");
        session.Events.Append(Id, new CandidateCaughtUp(Id, Candidate, wait.GtidExecuted ?? "", clock.GetUtcNow()));
        return new PromoteCandidate(Id);
    }

    /// <summary>5a. Promotion: the point of no return.</summary>
    public async Task<object> Handle(PromoteCandidate _, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        Step = "promote";
        // Whatever the candidate received beyond the frozen set is applied before it is promoted, never discarded.
        var promoted = await agents.CommandAsync(Cluster, Candidate, "promote",
            new { commandId = $"{Id}:promote", relayLogTimeoutSeconds = CatchUpTimeout.TotalSeconds }, CatchUpTimeout, cancellation);
        if (!promoted.Succeeded) return new AbortSwitchover(Id, Step, promoted.Failure!);
        (NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition) = (promoted.GtidExecuted ?? "", promoted.BinlogFile, promoted.BinlogPosition);
        session.Events.Append(Id, new ReplicaPromoted(Id, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition, clock.GetUtcNow()));
        return new RepointFollowers(Id);
    }

    /// <summary>5b. The old master and every other replica follow the new master; a mutual pair stays mutual.</summary>
    public async Task<RecordSwitch> Handle(RepointFollowers _, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        Step = "repoint";
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        NeedsAttention.AddRange(await semiSync.MoveRolesAsync(cluster, Candidate, [OldMaster], cancellation));
        var moves = Replicas.Prepend(OldMaster).Select(follower => (follower, source: Candidate)).ToList();
        if (Mutual) moves.Add((Candidate, OldMaster));
        foreach (var (follower, source) in moves)
        {
            var endpoint = cluster.Find(source)!.Endpoint;
            var repointed = await SwitchoverChecks.RetryAsync(() => agents.CommandAsync(Cluster, follower, "change-master",
                new { commandId = $"{Id}:repoint:{follower}", sourceHost = endpoint.Host, sourcePort = endpoint.Port }, null, cancellation));
            if (repointed.Succeeded)
                session.Events.Append(Id, new ReplicaRepointed(Id, follower, source, repointed.GtidExecuted ?? "", clock.GetUtcNow()));
            else
            {
                NeedsAttention.Add($"{follower} does not replicate from {source}: {repointed.Failure}");
                session.Events.Append(Id, new ReplicaRepointFailed(Id, follower, source, repointed.Failure!, clock.GetUtcNow()));
            }
        }
        var oldMasterRole = cluster.Find(Candidate)!.Role;
        await clusters.AppendAsync(ClusterId, c => c.Master?.Name == Candidate ? null
            : new MasterSwitched(ClusterId, Id, OldMaster, Candidate, oldMasterRole, Mutual, NewMasterGtid, NewMasterBinlogFile,
                NewMasterBinlogPosition, clock.GetUtcNow()), cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        return new RecordSwitch(Id);
    }

    /// <summary>6. MoHA's switch record in etcd, the operation's end, and the cluster released.</summary>
    public async Task Handle(RecordSwitch _, IDocumentSession session, EtcdConnection etcd, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        Step = "record";
        var now = clock.GetUtcNow();
        var record = new { operationId = Id, kind = "switchover", oldMaster = OldMaster, newMaster = Candidate, gtidExecuted = NewMasterGtid,
            binlogFile = NewMasterBinlogFile, binlogPosition = NewMasterBinlogPosition, oldMasterFinalGtid = OldMasterFinalGtid, at = now };
        var (key, _) = await SwitchRecord.WriteOnceAsync(etcd, Cluster, Id, record, cancellation);
        session.Events.Append(Id, new SwitchRecorded(Id, key, now));
        session.Events.Append(Id, new SwitchoverCompleted(Id, OldMaster, Candidate, NewMasterGtid, NewMasterBinlogFile, NewMasterBinlogPosition,
            NeedsAttention, now));
        await clusters.AppendAsync(ClusterId, c => c.RunningOperation == Id ? new OperationEnded(ClusterId, Id, "completed", now) : null, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        Step = "completed";
        MarkCompleted();
    }

    /// <summary>Compensation before promotion: writes back on the old master, traffic released, the cluster freed.</summary>
    public async Task Handle(AbortSwitchover abort, IDocumentSession session, AgentClient agents, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        var writable = true;
        if (abort.Step is "freeze-old-master" or "catch-up" or "promote")
        {
            // Never leave the old master read-only after an abort.
            await SwitchoverChecks.RetryAsync(() =>
                agents.CommandAsync(Cluster, OldMaster, "set-read-write", new { commandId = $"{Id}:unfreeze", mutual = Mutual }, null, cancellation));
            // What counts is the server's state, not the command's answer.
            writable = (await agents.StatusAsync(Cluster, OldMaster, cancellation))?.ReadOnly == false;
        }
        if (abort.Step == "promote")
        {
            // The promotion may have stopped the candidate's replication before it failed: let it follow again.
            var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
            var master = cluster.Find(OldMaster)!.Endpoint;
            await agents.CommandAsync(Cluster, Candidate, "change-master",
                new { commandId = $"{Id}:restore-candidate", sourceHost = master.Host, sourcePort = master.Port }, null, cancellation);
        }
        var now = clock.GetUtcNow();
        await clusters.AppendAsync(ClusterId, c => c.RunningOperation == Id ? new OperationEnded(ClusterId, Id, "aborted", now) : null, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        session.Events.Append(Id, new SwitchoverAborted(Id, abort.Step, abort.Reason, writable, now));
        Step = "aborted";
        MarkCompleted();
    }
}
