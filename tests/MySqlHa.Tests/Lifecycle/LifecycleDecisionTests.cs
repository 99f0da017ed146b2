using MySqlHa.Replication.Servers;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Lifecycle;

namespace MySqlHa.Tests.Lifecycle;

public sealed class LifecycleDecisionTests
{
    private static Cluster Cluster(bool withReplicationCredentials = true, params ClusterInstance[] instances) => new(
        Guid.NewGuid(), "c", DatabaseFlavor.MariaDb, instances, new ServerCredentials("u", "/p"),
        withReplicationCredentials ? new ServerCredentials("r", "/r") : null, DateTimeOffset.UnixEpoch, 1);

    private static ClusterInstance Instance(string name, InstanceRole role, bool active = false, bool paused = false) =>
        new(name, new ServerEndpoint("10.0.0.1", 3306), role, active, paused, InstanceStatus.Ok, null, null, 1);

    [Fact]
    public void A_second_master_or_standby_is_refused_naming_the_first()
    {
        var cluster = Cluster(true, Instance("m", InstanceRole.Master), Instance("s", InstanceRole.Standby), Instance("x", InstanceRole.Unregistered));

        Assert.Contains("'m' is already the master", new RegisterInstance("x", InstanceRole.Master).Decide(cluster).Refusal);
        Assert.Contains("'s' is already the standby", new RegisterInstance("x", InstanceRole.Standby).Decide(cluster).Refusal);
        Assert.Null(new RegisterInstance("x", InstanceRole.Replica).Decide(cluster).Refusal);
    }

    [Fact]
    public void Activation_needs_a_registered_instance_a_master_and_replication_credentials()
    {
        Assert.Contains("not registered", new ActivateReplication("x").Decide(Cluster(true, Instance("x", InstanceRole.Unregistered))).Refusal);
        Assert.Contains("No master", new ActivateReplication("r").Decide(Cluster(true, Instance("r", InstanceRole.Replica))).Refusal);
        Assert.Contains("replicationCredentials", new ActivateReplication("r").Decide(
            Cluster(false, Instance("m", InstanceRole.Master), Instance("r", InstanceRole.Replica))).Refusal);
    }

    [Fact]
    public void Activating_a_replica_replicates_from_the_master_and_activating_the_master_from_the_standby()
    {
        var cluster = Cluster(true, Instance("m", InstanceRole.Master), Instance("s", InstanceRole.Standby), Instance("r", InstanceRole.Replica));

        Assert.Equal(new StartReplicatingFrom("r", "m"), new ActivateReplication("r").Decide(cluster).Action);
        Assert.Equal(new StartReplicatingFrom("m", "s"), new ActivateReplication("m").Decide(cluster).Action);
        Assert.Contains("no standby", new ActivateReplication("m").Decide(Cluster(true, Instance("m", InstanceRole.Master))).Refusal);
    }

    [Fact]
    public void Pause_and_resume_act_by_role_and_refuse_to_repeat()
    {
        var cluster = Cluster(true, Instance("m", InstanceRole.Master), Instance("r", InstanceRole.Replica, active: true),
            Instance("p", InstanceRole.Replica, active: true, paused: true), Instance("d", InstanceRole.Replica));

        Assert.Equal(new SetReadOnly("m", true), new PauseInstance("m").Decide(cluster).Action);
        Assert.Equal(new StopReplication("r", ForgetSource: false), new PauseInstance("r").Decide(cluster).Action);
        Assert.Contains("already paused", new PauseInstance("p").Decide(cluster).Refusal);
        Assert.Contains("detached", new PauseInstance("d").Decide(cluster).Refusal);
        Assert.Equal(new StartReplicationThreads("p"), new ResumeInstance("p").Decide(cluster).Action);
        Assert.Contains("not paused", new ResumeInstance("r").Decide(cluster).Refusal);
    }

    [Fact]
    public void Register_and_unregister_change_only_our_records()
    {
        var cluster = Cluster(true, Instance("m", InstanceRole.Master), Instance("x", InstanceRole.Unregistered));

        Assert.Equal(LifecycleDecision.Allow(), new RegisterInstance("x", InstanceRole.Replica).Decide(cluster));
        Assert.Equal(LifecycleDecision.Allow(), new UnregisterInstance("m").Decide(cluster));
        Assert.Contains("not registered", new UnregisterInstance("x").Decide(cluster).Refusal);
        Assert.Contains("no instance 'y'", new DetachReplication("y").Decide(cluster).Refusal);
    }
}
