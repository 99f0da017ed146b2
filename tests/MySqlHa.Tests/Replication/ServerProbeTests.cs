using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Replication;

[Collection(SandboxCollection.Name)]
public sealed class ServerProbeTests
{
    // Other tests rearrange replication; these read the canonical shape, so they put it back first.
    public ServerProbeTests() => SandboxReplication.Reset();

    private static IServerProbe NewProbe(TimeSpan timeout) =>
        new ServiceCollection().AddServerProbe(new SecretFiles(), o => o.Timeout = timeout).BuildServiceProvider().GetRequiredService<IServerProbe>();

    [Fact]
    public async Task Primary_snapshot_shows_a_writable_mariadb_with_a_binlog_position_and_no_replication()
    {
        var result = await NewProbe(TimeSpan.FromSeconds(3)).ReadAsync(SandboxReplication.Primary, SandboxSettings.Current.Admin, default);

        Assert.True(result.Reachable, result.Failure);
        var snapshot = result.Snapshot!;
        Assert.Equal(DatabaseFlavor.MariaDb, snapshot.Flavor);
        Assert.StartsWith("10.", snapshot.Version);
        Assert.Equal(1, snapshot.ServerId);
        Assert.False(snapshot.ReadOnly);
        Assert.Null(snapshot.Replication);
        Assert.NotNull(snapshot.BinaryLog);
        Assert.StartsWith("mariadb-bin.", snapshot.BinaryLog!.File);
        Assert.Equal(await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_current_pos"), snapshot.GtidExecuted);
    }

    [Fact]
    public async Task Replica_snapshot_names_the_primary_as_source_and_shows_the_applied_write()
    {
        var primaryPosition = await SandboxReplication.WriteAndReplicateAsync();

        var result = await NewProbe(TimeSpan.FromSeconds(3)).ReadAsync(SandboxReplication.Replicas[0], SandboxSettings.Current.Admin, default);

        var snapshot = result.Snapshot!;
        Assert.True(snapshot.ReadOnly);
        Assert.Equal(primaryPosition, snapshot.GtidExecuted);
        var replication = snapshot.Replication!;
        Assert.Equal(SandboxReplication.Primary, replication.Source);
        Assert.True(replication.IsReplicating);
        Assert.True(replication.UsesGtidAutoPositioning);
        Assert.Equal(0, replication.SecondsBehindSource);
        Assert.Equal(primaryPosition, replication.ReceivedGtidSet);
    }

    [Fact]
    public async Task A_master_whose_commits_wait_for_a_semi_sync_acknowledgement_is_read_and_changed_without_waiting_for_them()
    {
        // Never falling back, and no follower acknowledges: the first commit waits, and those queued behind it hold
        // the binary log's lock.
        await SandboxReplication.WriteAndReplicateAsync();
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'; SET GLOBAL rpl_semi_sync_master_timeout = 4294967295; " +
            "SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON; SET GLOBAL rpl_semi_sync_master_enabled = ON");
        var waiting = Enumerable.Range(0, 3)
            .Select(_ => SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "INSERT INTO mysqlha_test.marks VALUES ()")).ToList();
        try
        {
            await WaitForQueuedCommitsAsync(waiting.Count);
            var services = new ServiceCollection().AddServerProbe(new SecretFiles(), o => o.Timeout = TimeSpan.FromSeconds(3))
                .AddReplicationCommands().BuildServiceProvider();

            var result = await services.GetRequiredService<IServerProbe>().ReadAsync(SandboxReplication.Primary, SandboxSettings.Current.Admin, default);
            var described = await services.GetRequiredService<MySqlHa.Replication.Commands.IReplicationCommands>()
                .DescribeAsync(SandboxReplication.Primary, SandboxSettings.Current.Admin, default);

            Assert.True(result.Reachable, result.Failure);
            Assert.StartsWith("mariadb-bin.", result.Snapshot!.BinaryLog!.File);
            Assert.Equal(result.Snapshot.BinaryLog, new BinlogCoordinates(described.BinlogFile!, described.BinlogPosition!.Value));
            Assert.DoesNotContain(waiting, commit => commit.IsCompleted);
        }
        finally
        {
            await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "SET GLOBAL rpl_semi_sync_master_enabled = OFF");
            await Task.WhenAll(waiting);
            SandboxReplication.Reset();
        }
    }

    // One commit waits for its acknowledgement, the others in the group commit queue behind it.
    private static async Task WaitForQueuedCommitsAsync(int commits)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary,
                   "SELECT SUM(STATE = 'Waiting for semi-sync ACK from slave') = 1 AND SUM(STATE = 'Commit') = " + (commits - 1) +
                   " FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO mysqlha_test.marks%'") != 1)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{commits} commits did not come to wait for a semi-sync acknowledgement");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Unreachable_server_is_reported_with_the_reason_not_thrown()
    {
        var nobody = new ServerEndpoint("127.0.0.1", 1);

        var result = await NewProbe(TimeSpan.FromSeconds(2)).ReadAsync(nobody, SandboxSettings.Current.Admin, default);

        Assert.False(result.Reachable);
        Assert.Contains("connect", result.Failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Wrong_password_is_reported_as_access_denied()
    {
        var wrong = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrong, "not-the-password\n");
        try
        {
            var result = await NewProbe(TimeSpan.FromSeconds(2)).ReadAsync(
                SandboxReplication.Primary, SandboxSettings.Current.Admin with { Secret = wrong }, default);

            Assert.False(result.Reachable);
            Assert.Contains("Access denied", result.Failure);
        }
        finally
        {
            File.Delete(wrong);
        }
    }
}
