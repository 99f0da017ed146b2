using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Tests.Monitoring;

/// <summary>The monitor's semi-sync decisions, as pure functions of our record and the master's probe.</summary>
public sealed class SemiSyncRulesTests
{
    private static readonly ServerEndpoint MasterEndpoint = new("10.0.0.1", 3306);
    private static readonly MonitorOptions Options = new() { SemiSyncStallAlertAfter = TimeSpan.FromSeconds(10) };
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static Cluster ClusterWith(SemiSyncSettings settings, SemiSyncHealth? health = null) =>
        new Cluster(Guid.NewGuid(), "c", DatabaseFlavor.MariaDb,
            [new ClusterInstance("m", MasterEndpoint, InstanceRole.Master, false, false, InstanceStatus.Ok, null, null, 1)],
            new ServerCredentials("u", "/p"), new ServerCredentials("r", "/r"), DateTimeOffset.UnixEpoch, 5)
        {
            SemiSync = settings,
            SemiSyncHealth = health ?? SemiSyncHealth.Unknown with { ConfiguredAtVersion = 5 },
        };

    private static InstanceObservation Seen(Cluster cluster, SemiSyncStatus semiSync, long version = 5, DateTimeOffset? stalledSince = null)
    {
        var snapshot = new ServerSnapshot(MasterEndpoint, DatabaseFlavor.MariaDb, "10.11.19-MariaDB", 1, false, "0-1-42", null, null,
            new ServerCounters(1, 1, 1, 1), Now) { SemiSync = semiSync };
        return new InstanceObservation(cluster.Id, cluster.Name, "m", version, new ProbeResult(MasterEndpoint, snapshot, null),
            new StatusVerdict(InstanceStatus.Ok, null), null, snapshot, null, stalledSince);
    }

    private static readonly SemiSyncSettings TenSeconds = new(true, TimeSpan.FromSeconds(10));
    private static readonly SemiSyncSettings Never = new(true, SemiSyncSettings.NeverFallBack);
    private static readonly SemiSyncStatus Waiting = new(true, true, Clients: 2, WaitSessions: 0, NoTransactions: 0, YesTransactions: 10, false);
    private static readonly SemiSyncStatus FellBack = Waiting with { MasterOn = false, Clients = 0, NoTransactions = 3 };

    [Fact]
    public void A_master_that_stopped_waiting_is_recorded_as_fallen_back_once_with_the_servers_evidence()
    {
        var cluster = ClusterWith(TenSeconds);

        var fell = Assert.IsType<SemiSyncFellBack>(Assert.Single(SemiSyncRules.Decide(cluster, Seen(cluster, FellBack), Options)));

        Assert.Equal(("m", true, 0L, 3L, 10L, "0-1-42", Now), (fell.Instance, fell.EnabledOnServer, fell.Clients, fell.NoTransactions, fell.YesTransactions,
            fell.GtidExecuted, fell.ObservedAt));
        var recorded = Cluster.Apply(fell, cluster);
        Assert.Empty(SemiSyncRules.Decide(recorded, Seen(recorded, FellBack, recorded.Version), Options));
        var restored = Assert.IsType<SemiSyncRestored>(Assert.Single(SemiSyncRules.Decide(recorded, Seen(recorded, Waiting, recorded.Version), Options)));
        Assert.Equal(2, restored.Clients);
        var back = Cluster.Apply(restored, recorded);
        Assert.Empty(SemiSyncRules.Decide(back, Seen(back, Waiting, back.Version), Options));
    }

    [Fact]
    public void A_master_with_semi_sync_off_on_the_server_fell_back_for_that_reason()
    {
        var cluster = ClusterWith(TenSeconds);

        var fell = Assert.IsType<SemiSyncFellBack>(Assert.Single(SemiSyncRules.Decide(cluster, Seen(cluster, FellBack with { MasterEnabled = false }), Options)));

        Assert.False(fell.EnabledOnServer);
        Assert.Contains("not enabled on the server", fell.Reason);
    }

    [Fact]
    public void Nothing_is_decided_without_semi_sync_during_an_operation_or_from_a_probe_older_than_the_configuration()
    {
        var off = ClusterWith(SemiSyncSettings.Off);
        var operating = ClusterWith(TenSeconds) with { RunningOperation = Guid.NewGuid() };
        var configured = ClusterWith(TenSeconds, SemiSyncHealth.Unknown with { ConfiguredAtVersion = 6 });

        Assert.Empty(SemiSyncRules.Decide(off, Seen(off, FellBack), Options));
        Assert.Empty(SemiSyncRules.Decide(operating, Seen(operating, FellBack), Options));
        Assert.Empty(SemiSyncRules.Decide(configured, Seen(configured, FellBack, version: 5), Options));
        Assert.Single(SemiSyncRules.Decide(configured, Seen(configured, FellBack, version: 6), Options));
    }

    [Fact]
    public void Commits_waiting_with_no_acknowledger_on_a_never_falling_back_master_are_an_alert_only_past_the_bound()
    {
        var cluster = ClusterWith(Never);
        var stuck = Waiting with { Clients = 0, WaitSessions = 3 };

        Assert.Empty(SemiSyncRules.Decide(cluster, Seen(cluster, stuck, stalledSince: Now - TimeSpan.FromSeconds(9)), Options));
        var stalled = Assert.IsType<SemiSyncCommitsStalled>(Assert.Single(
            SemiSyncRules.Decide(cluster, Seen(cluster, stuck, stalledSince: Now - TimeSpan.FromSeconds(10)), Options)));
        Assert.Equal((3L, 0L, Now - TimeSpan.FromSeconds(10)), (stalled.WaitSessions, stalled.Clients, stalled.Since));

        var recorded = Cluster.Apply(stalled, cluster);
        Assert.Empty(SemiSyncRules.Decide(recorded, Seen(recorded, stuck, recorded.Version, Now - TimeSpan.FromSeconds(30)), Options));
        Assert.IsType<SemiSyncCommitsResumed>(Assert.Single(SemiSyncRules.Decide(recorded, Seen(recorded, Waiting, recorded.Version), Options)));
    }

    [Fact]
    public void A_master_with_a_timeout_or_a_forced_one_is_never_stalled_it_falls_back()
    {
        var timeout = ClusterWith(TenSeconds);
        var forced = ClusterWith(Never, SemiSyncHealth.Unknown with { ConfiguredAtVersion = 5, Forced = new ForcedFallback("m", 10_000, "r", Now) });
        var stuck = Waiting with { Clients = 0, WaitSessions = 3 };

        Assert.Empty(SemiSyncRules.Decide(timeout, Seen(timeout, stuck, stalledSince: Now - TimeSpan.FromMinutes(1)), Options));
        Assert.Empty(SemiSyncRules.Decide(forced, Seen(forced, stuck, stalledSince: Now - TimeSpan.FromMinutes(1)), Options));
    }

    [Fact]
    public void The_stall_clock_starts_at_the_first_probe_that_sees_it_and_stops_when_a_replica_or_no_wait_is_seen()
    {
        var cluster = ClusterWith(Never);
        var first = Seen(cluster, Waiting with { Clients = 0, WaitSessions = 1 });

        Assert.Equal(Now, SemiSyncRules.StalledSince(first.Probe.Snapshot, null));
        Assert.Equal(Now - TimeSpan.FromSeconds(5), SemiSyncRules.StalledSince(first.Probe.Snapshot, first with { SemiSyncStalledSince = Now - TimeSpan.FromSeconds(5) }));
        Assert.Null(SemiSyncRules.StalledSince(Seen(cluster, Waiting with { Clients = 1, WaitSessions = 1 }).Probe.Snapshot, first));
        Assert.Null(SemiSyncRules.StalledSince(Seen(cluster, Waiting with { Clients = 0, WaitSessions = 0 }).Probe.Snapshot, first));
        Assert.Null(SemiSyncRules.StalledSince(null, first));
    }
}
