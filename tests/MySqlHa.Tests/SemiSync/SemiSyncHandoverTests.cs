using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Tests.SemiSync;

/// <summary>Which timeout a switch gives its new master: the configured one, or a bounded one when no follower can acknowledge.</summary>
public sealed class SemiSyncHandoverTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly SemiSyncSettings Never = new(true, SemiSyncSettings.NeverFallBack);
    private static readonly Guid Operation = Guid.NewGuid();

    private static ClusterInstance Instance(string name, InstanceRole role, bool active = true) =>
        new(name, new ServerEndpoint("10.0.0." + name[^1], 3306), role, active, false, InstanceStatus.Ok, null, null, 1);

    private static Cluster ClusterOf(SemiSyncSettings settings, params ClusterInstance[] instances) =>
        new Cluster(Guid.NewGuid(), "c", DatabaseFlavor.MariaDb, instances, new ServerCredentials("u", "/p"), null, DateTimeOffset.UnixEpoch, 9)
        {
            SemiSync = settings,
            RunningOperation = Operation,
        };

    private static ProbeResult Acknowledging(string gtid = "0-1-10", bool replicaEnabled = true) =>
        new(new ServerEndpoint("x", 1), new ServerSnapshot(new ServerEndpoint("x", 1), DatabaseFlavor.MariaDb, "10.11.19-MariaDB", 2, true, gtid, null, null,
            new ServerCounters(1, 1, 1, 1), Now) { SemiSync = new SemiSyncStatus(false, false, 0, 0, 0, 0, replicaEnabled) }, null);

    private static readonly ProbeResult Unreachable = new(new ServerEndpoint("x", 1), null, "Connection refused");

    [Fact]
    public void A_failover_that_leaves_a_reachable_acknowledging_replica_keeps_never_falling_back()
    {
        var cluster = ClusterOf(Never, Instance("db1", InstanceRole.Master, false), Instance("db2", InstanceRole.Replica), Instance("db3", InstanceRole.Replica));

        var plan = SemiSyncHandover.Decide(cluster, "db2", [], new Dictionary<string, ProbeResult> { ["db3"] = Acknowledging() }, "0-1-10", Now);

        Assert.Equal(new SemiSyncHandoverPlan(Never, null), plan);
    }

    [Fact]
    public void A_failover_whose_only_other_replica_is_dead_gives_the_new_master_a_bounded_timeout_and_says_why()
    {
        var cluster = ClusterOf(Never, Instance("db1", InstanceRole.Master, false), Instance("db2", InstanceRole.Replica), Instance("db3", InstanceRole.Replica));

        var plan = SemiSyncHandover.Decide(cluster, "db2", [], new Dictionary<string, ProbeResult> { ["db3"] = Unreachable }, "0-1-10", Now);

        Assert.Equal(SemiSyncHandover.ForcedTimeout, plan.NewMasterSettings.Timeout);
        Assert.True(plan.NewMasterSettings.Enabled);
        var forced = plan.Forced!;
        Assert.Equal((cluster.Id, (Guid?)Operation, "db2", 10_000L, Now), (forced.ClusterId, forced.OperationId, forced.Instance, forced.TimeoutMilliseconds, forced.ForcedAt));
        Assert.Equal("no follower is left to acknowledge db2's commits: db3 unreachable", forced.Reason);
    }

    [Theory]
    [InlineData("0-1-12", "holds transactions the new master lacks")]
    [InlineData("restarted", "does not acknowledge")]
    public void A_replica_that_will_not_be_repointed_or_does_not_acknowledge_is_no_acknowledger(string state, string reason)
    {
        var cluster = ClusterOf(Never, Instance("db1", InstanceRole.Master, false), Instance("db2", InstanceRole.Replica), Instance("db3", InstanceRole.Replica));
        var probe = state == "restarted" ? Acknowledging(replicaEnabled: false) : Acknowledging(gtid: state);

        var plan = SemiSyncHandover.Decide(cluster, "db2", [], new Dictionary<string, ProbeResult> { ["db3"] = probe }, "0-1-10", Now);

        Assert.Contains(reason, plan.Forced!.Reason);
    }

    [Fact]
    public void A_cluster_of_two_fails_over_to_a_bounded_timeout_but_a_switchover_acknowledges_through_the_demoted_master()
    {
        var pair = ClusterOf(Never, Instance("db1", InstanceRole.Master, false), Instance("db2", InstanceRole.Replica));

        var failover = SemiSyncHandover.Decide(pair, "db2", [], new Dictionary<string, ProbeResult>(), "0-1-10", Now);
        var switchover = SemiSyncHandover.Decide(pair, "db2", ["db1"],
            new Dictionary<string, ProbeResult> { ["db1"] = Acknowledging(replicaEnabled: false) }, "0-1-10", Now);

        Assert.Equal("no follower is left to acknowledge db2's commits", failover.Forced!.Reason);
        Assert.Equal(new SemiSyncHandoverPlan(Never, null), switchover);
    }

    [Fact]
    public void Paused_fenced_and_detached_followers_are_not_counted_on_and_a_timeout_or_a_forced_fallback_is_kept()
    {
        var cluster = ClusterOf(Never, Instance("db1", InstanceRole.Master, false), Instance("db2", InstanceRole.Replica),
            Instance("db3", InstanceRole.Replica) with { Paused = true }, Instance("db4", InstanceRole.Replica) with { Fenced = true },
            Instance("db5", InstanceRole.Replica, active: false));
        var timeout = cluster with { SemiSync = new SemiSyncSettings(true, TimeSpan.FromSeconds(3)) };
        var forced = cluster with { SemiSyncHealth = SemiSyncHealth.Unknown with { Forced = new ForcedFallback("db2", 10_000, "r", Now) } };

        Assert.Empty(SemiSyncHandover.ProspectiveAcknowledgers(cluster, "db2", []));
        Assert.Equal(new SemiSyncHandoverPlan(timeout.SemiSync, null), SemiSyncHandover.Decide(timeout, "db2", [], new Dictionary<string, ProbeResult>(), null, Now));
        Assert.Equal(new SemiSyncHandoverPlan(Never with { Timeout = TimeSpan.FromSeconds(10) }, null),
            SemiSyncHandover.Decide(forced, "db2", [], new Dictionary<string, ProbeResult> { ["db3"] = Acknowledging() }, "0-1-10", Now));
    }
}
