using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Tests.Backups;

/// <summary>The pure decisions of backups: which instance is read, what a policy may say, what a repository key may be.</summary>
public sealed class BackupDecisionTests
{
    private static ClusterInstance Instance(string name, InstanceRole role, InstanceStatus status = InstanceStatus.Ok) =>
        new(name, new ServerEndpoint($"10.0.0.{name[^1]}", 3306), role, role != InstanceRole.Master, false, status, null, null, 1);

    private static Cluster ClusterOf(params ClusterInstance[] instances) =>
        new(Guid.NewGuid(), "c", DatabaseFlavor.MariaDb, instances, new ServerCredentials("u", "p"), null, DateTimeOffset.UnixEpoch, 1);

    [Fact]
    public void The_standby_is_backed_up_by_default_then_a_healthy_replica_and_the_master_only_when_allowed()
    {
        var withStandby = ClusterOf(Instance("m1", InstanceRole.Master), Instance("r2", InstanceRole.Replica), Instance("s3", InstanceRole.Standby));
        Assert.Equal("s3", BackupSource.Choose(withStandby, null, false).Instance);

        var standbyBehind = ClusterOf(Instance("m1", InstanceRole.Master), Instance("s2", InstanceRole.Standby, InstanceStatus.Syncing),
            Instance("r3", InstanceRole.Replica));
        Assert.Equal("r3", BackupSource.Choose(standbyBehind, null, false).Instance);

        var noFollower = ClusterOf(Instance("m1", InstanceRole.Master), Instance("r2", InstanceRole.Replica, InstanceStatus.Error));
        Assert.Null(BackupSource.Choose(noFollower, null, false).Instance);
        Assert.Contains("allowMaster", BackupSource.Choose(noFollower, null, false).Refusal);
        Assert.Equal("m1", BackupSource.Choose(noFollower, null, true).Instance);
    }

    [Fact]
    public void A_named_instance_is_backed_up_only_when_it_is_a_healthy_member_and_the_master_only_when_allowed()
    {
        var cluster = ClusterOf(Instance("m1", InstanceRole.Master), Instance("r2", InstanceRole.Replica, InstanceStatus.Syncing),
            Instance("u3", InstanceRole.Unregistered, InstanceStatus.Unregistered), Instance("r4", InstanceRole.Replica) with { Fenced = true });
        Assert.Contains("is not an instance", BackupSource.Choose(cluster, "x9", true).Refusal);
        Assert.Contains("SYNCING", BackupSource.Choose(cluster, "r2", false).Refusal);
        Assert.Contains("not registered", BackupSource.Choose(cluster, "u3", false).Refusal);
        Assert.Contains("fenced", BackupSource.Choose(cluster, "r4", false).Refusal);
        Assert.Contains("is the master", BackupSource.Choose(cluster, "m1", false).Refusal);
        Assert.Equal("m1", BackupSource.Choose(cluster, "m1", true).Instance);
    }

    [Fact]
    public void A_policy_keeps_at_least_one_backup_and_schedules_with_five_field_cron_in_utc()
    {
        Assert.Empty(new BackupPolicy(3, "30 2 * * *", BackupCompression.Zstd).Problems());
        Assert.Contains(new BackupPolicy(0, null, BackupCompression.Zstd).Problems(), p => p.StartsWith("keep"));
        Assert.Contains(new BackupPolicy(1, "every night", BackupCompression.Gzip).Problems(), p => p.StartsWith("schedule"));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 2, 30, 0, TimeSpan.Zero),
            BackupSchedule.Next("30 2 * * *", new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("c/backups/1/backup.xbstream.zst", true)]
    [InlineData("c/binlogs/", true)]
    [InlineData("/etc/passwd", false)]
    [InlineData("c/../../etc/passwd", false)]
    [InlineData("c//x", false)]
    [InlineData("c/x y", false)]
    [InlineData("", false)]
    public void Repository_keys_are_relative_paths_of_named_parts(string key, bool valid) =>
        Assert.Equal(valid, BackupKeys.Problem(key) is null);
}
