using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Operations;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Topology;

namespace MySqlHa.Workflows.Switchover;

/// <summary>How a switchover ends when it cannot finish: aborted before its promotion, needing attention after it.</summary>
public sealed partial class Switchover
{
    /// <summary>
    /// Compensation before promotion: writes back on the old master, a candidate whose promotion may have been
    /// attempted made read-only and following the old master again (both checked on the servers, and said in the
    /// event), traffic released, the cluster freed.
    /// </summary>
    public async Task Handle(AbortSwitchover abort, IDocumentSession session, AgentClient agents, ClusterStream clusters, TopologyPublisher publisher,
        TimeProvider clock, CancellationToken cancellation)
    {
        var writable = true;
        if (abort.Step is SwitchoverStep.Switch or SwitchoverStep.FreezeOldMaster or SwitchoverStep.CatchUp or SwitchoverStep.VerifyFreeze
            or SwitchoverStep.Promote)
        {
            // Never leave the old master read-only after an abort.
            await SwitchoverChecks.RetryAsync(() => agents.SetReadWriteAsync(Cluster, OldMaster, $"{Id}:unfreeze", Mutual, cancellation));
            // What counts is the server's state, not the command's answer.
            writable = (await agents.StatusAsync(Cluster, OldMaster, cancellation))?.ReadOnly == false;
        }
        bool? candidateFollows = null;
        if (abort.Step is SwitchoverStep.Switch or SwitchoverStep.Promote)
            candidateFollows = await RestoreCandidateAsync(session, agents, clock, cancellation);
        var now = clock.GetUtcNow();
        await clusters.EndOperationAsync(ClusterId, Id, "aborted", now, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        session.Events.Append(Id, new SwitchoverAborted(Id, abort.Step, abort.Reason, writable, candidateFollows, now));
        Step = SwitchoverStep.Aborted;
        MarkCompleted();
    }

    /// <summary>
    /// A step still failed after its retries (see StepFailurePolicy): up to the promotion the switchover gives up as
    /// if the step had refused (the compensation covers a switch step that went part of the way); once the new master
    /// is promoted or published it stands, and the switchover ends needing attention.
    /// </summary>
    public async Task<AbortSwitchover?> Handle(FailSwitchover failed, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        var reason = $"the {failed.Step.Name()} step failed: {failed.Reason}";
        if (failed.Step <= SwitchoverStep.Promote && !await NewMasterPublishedAsync(session, cancellation))
            return new AbortSwitchover(Id, failed.Step, reason);
        await InterruptAsync(failed.Step, reason, session, agents, clusters, publisher, semiSync, clock, cancellation);
        return null;
    }

    /// <summary>
    /// The deadline passed before the switchover ended. <see cref="Step"/> is where the last step that finished left
    /// it, and the next one may be running still. Before the switch step has finished, the candidate says whether a
    /// promotion happened: the step starts none after <see cref="PromoteBy"/>, so one started before has settled by
    /// now. Not promoted, the switchover gives up (its compensation covers a freeze under way); otherwise nothing is
    /// undone beside a promotion: the switchover ends needing attention, with the servers' states.
    /// </summary>
    public async Task<AbortSwitchover?> Handle(SwitchoverDeadlinePassed deadline, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        var reason = $"the switchover did not end within its deadline of {deadline.After.TotalSeconds:0.#} s (last step finished: {Step.Name()})";
        if (Step < SwitchoverStep.PreChecks) return new AbortSwitchover(Id, Step, reason);
        if (Step < SwitchoverStep.Promote && await agents.StatusAsync(Cluster, Candidate, cancellation) is { ReadOnly: true }
            && !await NewMasterPublishedAsync(session, cancellation))
            return new AbortSwitchover(Id, SwitchoverStep.Switch, reason);
        await InterruptAsync(Step, reason, session, agents, clusters, publisher, semiSync, clock, cancellation);
        return null;
    }

    /// <summary>The records name the candidate the master: the switch step published it, and writes may have gone to it.</summary>
    private async Task<bool> NewMasterPublishedAsync(IDocumentSession session, CancellationToken cancellation) =>
        Candidate.Length > 0 && (await session.LoadAsync<Cluster>(ClusterId, cancellation))!.Master?.Name == Candidate;

    /// <summary>A failure reported for a switchover that has ended already (the step's retry lost to the ending): nothing is left to do.</summary>
    public static void NotFound(FailSwitchover failed, ILogger<Switchover> logger) => LogEndedAlready(logger, failed.SwitchoverId, failed.Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Switchover {Operation} had ended already when its step failure arrived: {Reason}")]
    private static partial void LogEndedAlready(ILogger logger, Guid operation, string reason);

    /// <summary>
    /// Ends a switchover that cannot finish at or after its point of no return. Promoted: the new master stands in
    /// the records (the proxies follow it), and an old master not yet proven frozen at its repoint is fenced. Not
    /// known to be promoted: nothing changes on the servers; their states are recorded for the operator.
    /// </summary>
    private async Task InterruptAsync(SwitchoverStep step, string reason, IDocumentSession session, AgentClient agents, ClusterStream clusters,
        TopologyPublisher publisher, SemiSyncConfigurator semiSync, TimeProvider clock, CancellationToken cancellation)
    {
        var promoted = NewMasterGtid.Length > 0 || await NewMasterPublishedAsync(session, cancellation);
        NeedsAttention.Add(reason);
        if (promoted && Step < SwitchoverStep.Repoint)
        {
            var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
            await clusters.AppendAsync(ClusterId, c => c.Master?.Name == Candidate ? null
                : new MasterSwitched(ClusterId, Id, OldMaster, Candidate, cluster.Find(Candidate)!.Role, Mutual, NewMasterGtid, NewMasterBinlogFile,
                    NewMasterBinlogPosition, clock.GetUtcNow()), cancellation);
            var detail = $"the switchover was interrupted before '{OldMaster}' was proven frozen at its repoint";
            await clusters.AppendAsync(ClusterId, c => c.Find(OldMaster)!.Fenced ? null
                : new InstanceFenced(ClusterId, Id, OldMaster, false, detail, clock.GetUtcNow()), cancellation);
            NeedsAttention.Add($"{detail}: it is fenced; the followers may not replicate from '{Candidate}'");
            if (await semiSync.BoundWaitWithoutFollowersAsync((await session.LoadAsync<Cluster>(ClusterId, cancellation))!, Id, Candidate,
                    "the switchover was interrupted before its followers were repointed", cancellation) is { } bounded)
                NeedsAttention.Add(bounded);
        }
        else if (!promoted)
        {
            NeedsAttention.Add($"a promotion of '{Candidate}' may have been under way; the records still name '{OldMaster}' the master. " +
                "Find which server is writable before anything else:");
            foreach (var instance in new[] { OldMaster, Candidate })
                NeedsAttention.Add(await agents.StatusAsync(Cluster, instance, cancellation) is { } seen
                    ? $"'{instance}': read_only {seen.ReadOnly}, replicating from {(seen.Replication is { } r ? $"{r.Source.Host}:{r.Source.Port}" : "nobody")}, gtid {seen.GtidExecuted}"
                    : $"'{instance}': could not be read");
        }
        var now = clock.GetUtcNow();
        session.Events.Append(Id, new SwitchoverInterrupted(Id, step, reason, promoted, NeedsAttention, now));
        await clusters.EndOperationAsync(ClusterId, Id, "needsAttention", now, cancellation);
        await publisher.PublishAsync([ClusterId], cancellation);
        Step = SwitchoverStep.Interrupted;
        MarkCompleted();
    }

    /// <summary>
    /// A promotion that failed may have gone part of the way (replication forgotten, read_only off): the candidate is
    /// made read-only and replicates from the old master again. Answers whether its server says so afterwards.
    /// </summary>
    private async Task<bool> RestoreCandidateAsync(IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        // The candidate may still replicate (the promotion failed early) or not (it failed late): "mutual" lets the
        // master-only command through either way.
        await SwitchoverChecks.RetryAsync(() => agents.SetReadOnlyAsync(Cluster, Candidate, $"{Id}:restore-candidate-read-only", mutual: true, cancellation));
        var cluster = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!;
        var master = cluster.Find(OldMaster)!.Endpoint;
        await SwitchoverChecks.RetryAsync(() => agents.ChangeMasterAsync(Cluster, Candidate, $"{Id}:restore-candidate", master, cancellation));
        // START SLAVE answers before the receiver has connected ("Connecting"): the server is read until it
        // replicates, or until the bound passes and its state is reported as it is.
        var giveUpAt = clock.GetUtcNow() + CandidateFollowBound;
        while (true)
        {
            var candidate = await agents.StatusAsync(Cluster, Candidate, cancellation);
            var follows = candidate is { ReadOnly: true, Replication: { } replication } && master.Matches(replication.Source.Host, replication.Source.Port)
                && replication.IsReplicating;
            if (follows || clock.GetUtcNow() >= giveUpAt) return follows;
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellation);
        }
    }

    private static readonly TimeSpan CandidateFollowBound = TimeSpan.FromSeconds(10);
}
