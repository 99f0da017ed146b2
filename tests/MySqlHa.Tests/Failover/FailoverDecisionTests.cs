using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Tests.Failover;

/// <summary>The pure decisions of failure handling: whether the master is dead, and who takes over.</summary>
public sealed class FailoverDecisionTests
{
    private static readonly ServerEndpoint MasterEndpoint = new("10.0.0.1", 3306);
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddHours(1);
    private static readonly TimeSpan ConfirmFor = TimeSpan.FromSeconds(1);

    private static ServerEndpoint Endpoint(string name) => name == "m" ? MasterEndpoint : new($"10.0.0.{name[^1]}", 3306);

    private static Cluster ClusterWith(FailoverPolicy? policy = null, params (string Name, InstanceRole Role)[] followers) =>
        new(Guid.NewGuid(), "c", DatabaseFlavor.MariaDb,
            [new("m", MasterEndpoint, InstanceRole.Master, false, false, InstanceStatus.Ok, null, null, 1),
             .. followers.Select(f => new ClusterInstance(f.Name, Endpoint(f.Name), f.Role, true, false, InstanceStatus.Ok, null, null, 1))],
            new ServerCredentials("u", "/p"), new ServerCredentials("r", "/r"), DateTimeOffset.UnixEpoch, 1)
        { FailoverPolicy = policy ?? FailoverPolicy.Default };

    private static ServerSnapshot Snapshot(string name, string executed, long serverId = 2, ReplicaStatus? replication = null) =>
        new(Endpoint(name), DatabaseFlavor.MariaDb, "10.11.6-MariaDB", serverId, true, executed, new BinlogCoordinates("bin.000001", 4),
            replication, new ServerCounters(1, 1, 1, 1), Now);

    private static ReplicaStatus FromMaster(ReplicationThreadState io, string received = "") =>
        new(MasterEndpoint, io, ReplicationThreadState.Running, 0, true, received, "bin.000001", 4, "", "");

    private static InstanceObservation Observation(string name, ServerSnapshot? snapshot) =>
        new(Guid.Empty, "c", name, 1, new ProbeResult(Endpoint(name), snapshot, snapshot is null ? "Connection refused" : null),
            new StatusVerdict(InstanceStatus.Ok, null), null, snapshot, snapshot is null ? Now.AddSeconds(-2) : null);

    private static MasterVerdict Judge(AgentReport agent, params ReplicationThreadState[] replicaIoThreads)
    {
        var cluster = ClusterWith(null, replicaIoThreads.Select((_, i) => ($"r{i + 2}", InstanceRole.Replica)).ToArray());
        var followers = replicaIoThreads.Select((io, i) => (InstanceObservation?)Observation($"r{i + 2}", Snapshot($"r{i + 2}", "0-1-10", replication: FromMaster(io))))
            .ToList();
        return MasterVerdict.Judge(cluster, Observation("m", null), Now.AddSeconds(-2), agent, followers, Now, ConfirmFor);
    }

    private static readonly AgentReport LeaseGone = new(false, null, null);

    [Fact]
    public void The_master_is_dead_only_when_the_controller_the_agent_and_every_replica_agree()
    {
        var dead = Judge(new AgentReport(true, false, "Connection refused"), ReplicationThreadState.Connecting, ReplicationThreadState.Connecting);

        Assert.Equal(MasterCondition.Dead, dead.Condition);
        Assert.Contains(dead.Evidence, e => e.Contains("agent reports mysqld down"));
        Assert.Equal(MasterCondition.Dead, Judge(LeaseGone, ReplicationThreadState.Stopped).Condition);
    }

    [Fact]
    public void A_replica_still_connected_to_the_master_makes_it_unreachable_not_dead()
    {
        var verdict = Judge(LeaseGone, ReplicationThreadState.Connecting, ReplicationThreadState.Running);

        Assert.Equal(MasterCondition.Unreachable, verdict.Condition);
        Assert.Contains("r3", verdict.Reason);
        // Those the detector looks at again every check, to see them let go of a hung master at once.
        Assert.Equal(["r3"], verdict.StillConnected);
    }

    [Fact]
    public void An_agent_that_sees_mysqld_up_makes_it_unreachable_not_dead()
    {
        Assert.Equal(MasterCondition.Unreachable, Judge(new AgentReport(true, true, null), ReplicationThreadState.Connecting).Condition);
    }

    [Fact]
    public void Without_a_reachable_replica_nothing_confirms_the_death()
    {
        var cluster = ClusterWith(null, ("r2", InstanceRole.Replica));

        var verdict = MasterVerdict.Judge(cluster, Observation("m", null), Now.AddSeconds(-2), LeaseGone, [Observation("r2", null)], Now, ConfirmFor);

        Assert.Equal(MasterCondition.Unreachable, verdict.Condition);
    }

    [Fact]
    public void A_master_lost_for_less_than_the_confirmation_time_is_only_suspected()
    {
        var cluster = ClusterWith(null, ("r2", InstanceRole.Replica));
        var follower = Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(ReplicationThreadState.Connecting)));

        var verdict = MasterVerdict.Judge(cluster, Observation("m", null), Now.AddMilliseconds(-300), LeaseGone, [follower], Now, ConfirmFor);

        Assert.Equal(MasterCondition.Suspected, verdict.Condition);
    }

    [Fact]
    public void A_master_whose_agent_finds_its_process_gone_needs_no_confirmation_time_but_still_the_replicas_agreement()
    {
        var cluster = ClusterWith(null, ("r2", InstanceRole.Replica));
        var gone = new AgentReport(true, false, "nothing listens on its port: Connection refused", ProcessGone: true);
        var lostJustNow = Now.AddMilliseconds(-50);

        var verdict = MasterVerdict.Judge(cluster, Observation("m", null), lostJustNow, gone,
            [Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(ReplicationThreadState.Connecting)))], Now, ConfirmFor);
        var stillReplicating = MasterVerdict.Judge(cluster, Observation("m", null), lostJustNow, gone,
            [Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(ReplicationThreadState.Running)))], Now, ConfirmFor);
        var downButListening = MasterVerdict.Judge(cluster, Observation("m", null), lostJustNow, new AgentReport(true, false, "Connection refused"),
            [Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(ReplicationThreadState.Connecting)))], Now, ConfirmFor);

        Assert.Equal(MasterCondition.Dead, verdict.Condition);
        Assert.Contains(verdict.Evidence, e => e.Contains("nothing listens on its port"));
        Assert.Equal(MasterCondition.Unreachable, stillReplicating.Condition);
        Assert.Equal(MasterCondition.Suspected, downButListening.Condition);
    }

    [Fact]
    public void A_master_whose_port_and_agent_both_refuse_connections_needs_no_confirmation_time_but_still_the_replicas_agreement()
    {
        var cluster = ClusterWith(null, ("r2", InstanceRole.Replica));
        var refused = Observation("m", null) with { Probe = new ProbeResult(MasterEndpoint, null, "Unable to connect", Refused: true) };
        var timedOut = Observation("m", null) with { Probe = new ProbeResult(MasterEndpoint, null, "no answer within 2 s") };
        var agentGone = new AgentReport(false, null, "nothing answers at its agent's address any more", AddressRefuses: true);
        var lostJustNow = Now.AddMilliseconds(-50);
        InstanceObservation? Replica(ReplicationThreadState io) => Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(io)));

        var dead = MasterVerdict.Judge(cluster, refused, lostJustNow, agentGone, [Replica(ReplicationThreadState.Connecting)], Now, ConfirmFor);
        var stillReplicating = MasterVerdict.Judge(cluster, refused, lostJustNow, agentGone, [Replica(ReplicationThreadState.Running)], Now, ConfirmFor);
        var notRefused = MasterVerdict.Judge(cluster, timedOut, lostJustNow, agentGone, [Replica(ReplicationThreadState.Connecting)], Now, ConfirmFor);
        var leaseGone = MasterVerdict.Judge(cluster, refused, lostJustNow, LeaseGone, [Replica(ReplicationThreadState.Connecting)], Now, ConfirmFor);

        Assert.Equal(MasterCondition.Dead, dead.Condition);
        Assert.Contains(dead.Evidence, e => e.Contains("refuses connections"));
        Assert.False(dead.ProcessGone);
        Assert.Equal(MasterCondition.Unreachable, stillReplicating.Condition);
        Assert.Equal(MasterCondition.Suspected, notRefused.Condition);
        Assert.Equal(MasterCondition.Suspected, leaseGone.Condition);
    }

    /// <summary>
    /// The master as the controller last saw it before its agent reported its process stopped: its last probe answered
    /// 1.5 s ago, and the next one is still waiting on the stopped server (a stopped process takes the connection and
    /// answers nothing, so only the probe's timeout would end it).
    /// </summary>
    private static InstanceObservation AnsweredBeforeTheStop()
    {
        var last = Snapshot("m", "0-1-10", 1) with { ObservedAt = Now.AddMilliseconds(-1500) };
        return Observation("m", last);
    }

    private static AgentReport StoppedReport(TimeSpan heardAgo, bool? mysqldUp = false) =>
        new(true, mysqldUp, "its process 4242 is stopped (SIGSTOP or a debugger): it holds its port and answers nothing",
            Stopped: new StoppedProcessReport(Now - heardAgo - TimeSpan.FromMilliseconds(80), Now - heardAgo));

    private static MasterVerdict JudgeStopped(AgentReport agent, ReplicationThreadState replicaIoThread, InstanceObservation? master = null)
    {
        var cluster = ClusterWith(null, ("r2", InstanceRole.Replica));
        master ??= AnsweredBeforeTheStop();
        return MasterVerdict.Judge(cluster, master, master.FailingSince, agent,
            [Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(replicaIoThread)))], Now, ConfirmFor);
    }

    [Fact]
    public void A_master_whose_agent_reports_its_process_stopped_is_only_suspected_for_the_confirmation_time_after_the_report()
    {
        var verdict = JudgeStopped(StoppedReport(TimeSpan.FromMilliseconds(900)), ReplicationThreadState.Connecting);

        // Its last probe answered, and none failed yet: the report alone makes it lost, but a stop this short (a
        // debugger, gcore) may end, so it is not yet judged.
        Assert.Equal(MasterCondition.Suspected, verdict.Condition);
        Assert.Contains(verdict.Evidence, e => e.Contains("reported") && e.Contains("process is stopped"));
    }

    [Fact]
    public void A_master_whose_agent_reported_its_process_stopped_for_the_confirmation_time_is_dead_once_its_replicas_let_go_without_waiting_for_a_probe_timeout()
    {
        var verdict = JudgeStopped(StoppedReport(ConfirmFor), ReplicationThreadState.Connecting);

        Assert.Equal(MasterCondition.Dead, verdict.Condition);
        Assert.Contains(verdict.Evidence, e => e.Contains($"reported at {Now - ConfirmFor - TimeSpan.FromMilliseconds(80):O} that mysqld's process is stopped"));
        Assert.Contains(verdict.Evidence, e => e.Contains("agent reports mysqld down") && e.Contains("is stopped"));
        Assert.Contains(verdict.Evidence, e => e.Contains("r2's IO thread is connecting"));
        // Stopped is not gone: the fence must still kill it (or find it read-only) before anything is promoted.
        Assert.False(verdict.ProcessGone);
    }

    [Fact]
    public void A_master_whose_agent_reports_its_process_stopped_is_unreachable_not_dead_while_a_replica_still_replicates_from_it()
    {
        var verdict = JudgeStopped(StoppedReport(TimeSpan.FromMilliseconds(1200)), ReplicationThreadState.Running);

        Assert.Equal(MasterCondition.Unreachable, verdict.Condition);
        Assert.Equal(["r2"], verdict.StillConnected);
        Assert.Contains("its process is stopped, but r2 still replicate", verdict.Reason);
    }

    [Fact]
    public void A_stopped_process_report_makes_no_master_dead_unless_its_agent_says_mysqld_down_and_no_probe_answered_since()
    {
        var agentUp = JudgeStopped(StoppedReport(TimeSpan.FromMilliseconds(1200), mysqldUp: true), ReplicationThreadState.Connecting);
        var probeLostAgentUp = JudgeStopped(StoppedReport(TimeSpan.FromMilliseconds(1200), mysqldUp: true), ReplicationThreadState.Connecting,
            Observation("m", null));
        var agentGone = JudgeStopped(StoppedReport(TimeSpan.FromMilliseconds(1200)) with { Registered = false }, ReplicationThreadState.Connecting);
        // Continued: the controller's probe answered after it heard the report.
        var answeredSince = JudgeStopped(StoppedReport(TimeSpan.FromMilliseconds(1200)), ReplicationThreadState.Connecting,
            Observation("m", Snapshot("m", "0-1-10", 1) with { ObservedAt = Now.AddMilliseconds(-100) }));

        Assert.Equal(MasterCondition.Alive, agentUp.Condition);
        Assert.Equal(MasterCondition.Unreachable, probeLostAgentUp.Condition);
        Assert.Equal(MasterCondition.Alive, agentGone.Condition);
        Assert.Equal(MasterCondition.Alive, answeredSince.Condition);
    }

    [Fact]
    public void A_stopped_master_whose_probe_failed_before_the_report_is_lost_since_the_earlier_of_the_two()
    {
        var cluster = ClusterWith(null, ("r2", InstanceRole.Replica));
        var replica = Observation("r2", Snapshot("r2", "0-1-10", replication: FromMaster(ReplicationThreadState.Connecting)));

        // The probe began failing 1.2 s ago; the report was heard only 0.3 s ago: lost for 1.2 s, past the confirmation.
        var verdict = MasterVerdict.Judge(cluster, Observation("m", null), Now.AddMilliseconds(-1200), StoppedReport(TimeSpan.FromMilliseconds(300)),
            [replica], Now, ConfirmFor);

        Assert.Equal(MasterCondition.Dead, verdict.Condition);
    }

    [Fact]
    public void The_most_advanced_follower_by_what_it_received_is_chosen_over_a_standby_that_is_behind()
    {
        var cluster = ClusterWith(null, ("s2", InstanceRole.Standby), ("r3", InstanceRole.Replica));
        var live = new Dictionary<string, ServerSnapshot?>
        {
            ["s2"] = Snapshot("s2", "0-1-100", replication: FromMaster(ReplicationThreadState.Connecting, "0-1-100")),
            // r3 applied less but received more: it is the one that must take over, after applying its relay log.
            ["r3"] = Snapshot("r3", "0-1-90", 3, FromMaster(ReplicationThreadState.Connecting, "0-1-105")),
        };

        var plan = FailoverPlan.Decide(cluster, "m", Snapshot("m", "0-1-100", 1), null, live);

        Assert.Null(plan.Refusal);
        Assert.Equal("r3", plan.Candidate);
        Assert.Equal(["s2"], plan.Followers);
        Assert.Contains(plan.PassedOver, p => p.StartsWith("s2: 5 transaction(s) behind", StringComparison.Ordinal));
    }

    [Fact]
    public void Among_equally_advanced_followers_the_standby_wins_then_the_priority()
    {
        var live = new Dictionary<string, ServerSnapshot?>
        {
            ["s2"] = Snapshot("s2", "0-1-100"), ["r3"] = Snapshot("r3", "0-1-100", 3), ["r4"] = Snapshot("r4", "0-1-100", 4),
        };
        var withStandby = ClusterWith(null, ("s2", InstanceRole.Standby), ("r3", InstanceRole.Replica), ("r4", InstanceRole.Replica));
        var prioritised = ClusterWith(FailoverPolicy.Default with { Priorities = new Dictionary<string, int> { ["r4"] = 10 } },
            ("r3", InstanceRole.Replica), ("r4", InstanceRole.Replica));

        Assert.Equal("s2", FailoverPlan.Decide(withStandby, "m", null, null, live).Candidate);
        Assert.Equal("r4", FailoverPlan.Decide(prioritised, "m", null, null, live).Candidate);
    }

    [Fact]
    public void A_follower_with_errant_transactions_or_excluded_by_policy_is_never_the_candidate()
    {
        var cluster = ClusterWith(FailoverPolicy.Default with { NeverPromote = ["r4"] },
            ("r2", InstanceRole.Replica), ("r3", InstanceRole.Replica), ("r4", InstanceRole.Replica));
        var live = new Dictionary<string, ServerSnapshot?>
        {
            // r2 wrote a transaction of its own (server 2) that never came from the master.
            ["r2"] = Snapshot("r2", "0-2-101"), ["r3"] = Snapshot("r3", "0-1-99", 3), ["r4"] = Snapshot("r4", "0-1-100", 4),
        };

        var plan = FailoverPlan.Decide(cluster, "m", Snapshot("m", "0-1-100", 1), null, live);

        Assert.Equal("r3", plan.Candidate);
        Assert.Contains(plan.PassedOver, p => p.StartsWith("r2: it has errant transactions 0-2-101", StringComparison.Ordinal));
        Assert.Contains(plan.PassedOver, p => p == "r4: the failover policy excludes it");
        Assert.Contains("errant", FailoverPlan.Decide(cluster, "m", Snapshot("m", "0-1-100", 1), "r2", live).Refusal);
    }

    [Fact]
    public void Errant_transactions_are_those_not_written_by_the_old_master()
    {
        Assert.Equal("0-2-101", GtidSets.Errant(DatabaseFlavor.MariaDb, "0-2-101", "0-1-100", 1));
        // Written by the master after our last look: newer, not errant.
        Assert.Equal("", GtidSets.Errant(DatabaseFlavor.MariaDb, "0-1-105", "0-1-100", 1));
    }
}
