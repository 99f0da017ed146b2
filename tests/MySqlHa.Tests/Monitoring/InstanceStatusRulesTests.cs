using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Tests.Monitoring;

public sealed class InstanceStatusRulesTests
{
    private static readonly ServerEndpoint MasterEndpoint = new("10.0.0.1", 3306);
    private static readonly ServerEndpoint StandbyEndpoint = new("10.0.0.2", 3306);
    private static readonly ServerEndpoint ReplicaEndpoint = new("10.0.0.3", 3306);
    private static readonly MonitorOptions Options = new() { LagThreshold = TimeSpan.FromSeconds(3) };

    private static Cluster ClusterWith(params ClusterInstance[] instances) => new(Guid.NewGuid(), "c", DatabaseFlavor.MariaDb,
        instances, new ServerCredentials("u", "/p"), new ServerCredentials("r", "/r"), DateTimeOffset.UnixEpoch, 1);

    private static ClusterInstance Instance(string name, ServerEndpoint endpoint, InstanceRole role, bool active = false, bool paused = false) =>
        new(name, endpoint, role, active, paused, InstanceStatus.Unregistered, null, null, 1);

    private static ProbeResult Probe(ServerEndpoint endpoint, bool readOnly, ReplicaStatus? replication) =>
        new(endpoint, new ServerSnapshot(endpoint, DatabaseFlavor.MariaDb, "10.11.6-MariaDB", 1, readOnly, "0-1-10",
            new BinlogCoordinates("bin.000001", 4), replication, new ServerCounters(1, 1, 1, 1), DateTimeOffset.UnixEpoch), null);

    private static ReplicaStatus Replicating(ServerEndpoint source, long? behind = 0,
        ReplicationThreadState io = ReplicationThreadState.Running, ReplicationThreadState sql = ReplicationThreadState.Running,
        string lastIoError = "", string lastSqlError = "") =>
        new(source, io, sql, behind, true, "0-1-10", "bin.000001", 4, lastIoError, lastSqlError);

    private static StatusVerdict Evaluate(Cluster cluster, string name, ProbeResult probe) =>
        InstanceStatusRules.Evaluate(cluster, cluster.Find(name)!, probe, Options);

    [Fact]
    public void Writable_master_is_ok_and_a_read_only_one_that_was_not_paused_is_an_error()
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master));

        Assert.Equal(InstanceStatus.Ok, Evaluate(cluster, "m", Probe(MasterEndpoint, false, null)).Status);
        var readOnly = Evaluate(cluster, "m", Probe(MasterEndpoint, true, null));
        Assert.Equal(InstanceStatus.Error, readOnly.Status);
        Assert.Contains("read-only", readOnly.Reason);
    }

    [Fact]
    public void Unreachable_registered_instance_is_an_error_with_the_reason_and_an_unregistered_one_stays_unregistered()
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master), Instance("x", ReplicaEndpoint, InstanceRole.Unregistered));
        var unreachable = new ProbeResult(MasterEndpoint, null, "Connection refused");

        var verdict = Evaluate(cluster, "m", unreachable);

        Assert.Equal(new StatusVerdict(InstanceStatus.Error, "unreachable: Connection refused"), verdict);
        Assert.Equal(InstanceStatus.Unregistered, Evaluate(cluster, "x", unreachable with { Endpoint = ReplicaEndpoint }).Status);
    }

    [Theory]
    [InlineData(0L, InstanceStatus.Ok)]
    [InlineData(3L, InstanceStatus.Ok)]
    [InlineData(4L, InstanceStatus.Syncing)]
    public void Active_replica_is_ok_within_the_lag_threshold_and_syncing_beyond_it(long behind, InstanceStatus expected)
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master), Instance("r", ReplicaEndpoint, InstanceRole.Replica, active: true));

        Assert.Equal(expected, Evaluate(cluster, "r", Probe(ReplicaEndpoint, true, Replicating(MasterEndpoint, behind))).Status);
    }

    [Fact]
    public void Replica_following_another_server_than_the_registered_master_is_lost()
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master), Instance("s", StandbyEndpoint, InstanceRole.Standby),
            Instance("r", ReplicaEndpoint, InstanceRole.Replica, active: true));

        var verdict = Evaluate(cluster, "r", Probe(ReplicaEndpoint, true, Replicating(StandbyEndpoint)));

        Assert.Equal(InstanceStatus.Lost, verdict.Status);
        Assert.Contains("10.0.0.2:3306", verdict.Reason);
    }

    [Fact]
    public void Broken_replication_threads_are_errors_that_quote_the_servers_message()
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master), Instance("r", ReplicaEndpoint, InstanceRole.Replica, active: true));

        var sqlStopped = Evaluate(cluster, "r", Probe(ReplicaEndpoint, true,
            Replicating(MasterEndpoint, null, sql: ReplicationThreadState.Stopped, lastSqlError: "Duplicate entry '1' for key 'PRIMARY'")));
        var connecting = Evaluate(cluster, "r", Probe(ReplicaEndpoint, true,
            Replicating(MasterEndpoint, null, io: ReplicationThreadState.Connecting, lastIoError: "error connecting to master")));

        Assert.Equal(InstanceStatus.Error, sqlStopped.Status);
        Assert.Contains("Duplicate entry", sqlStopped.Reason);
        Assert.Equal(InstanceStatus.Error, connecting.Status);
        Assert.Contains("connecting", connecting.Reason);
    }

    [Fact]
    public void Registered_but_not_activated_follower_is_detached_even_if_it_replicates_on_its_own()
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master), Instance("r", ReplicaEndpoint, InstanceRole.Replica));

        var verdict = Evaluate(cluster, "r", Probe(ReplicaEndpoint, true, Replicating(MasterEndpoint)));

        Assert.Equal(InstanceStatus.Detached, verdict.Status);
        Assert.Contains("not under our control", verdict.Reason);
    }

    [Fact]
    public void Paused_instances_are_paused_and_a_mutual_masters_reverse_channel_is_judged_against_the_standby()
    {
        var cluster = ClusterWith(Instance("m", MasterEndpoint, InstanceRole.Master, active: true), Instance("s", StandbyEndpoint, InstanceRole.Standby, active: true, paused: true));

        Assert.Equal(InstanceStatus.Paused, Evaluate(cluster, "s", Probe(StandbyEndpoint, true, null)).Status);
        Assert.Equal(InstanceStatus.Ok, Evaluate(cluster, "m", Probe(MasterEndpoint, false, Replicating(StandbyEndpoint))).Status);
        Assert.Equal(InstanceStatus.Lost, Evaluate(cluster, "m", Probe(MasterEndpoint, false, Replicating(ReplicaEndpoint))).Status);
    }
}
