using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Tests.Replication;

/// <summary>
/// The MySQL paths are checked against rows recorded from real servers (see Recorded/), since only MariaDB runs
/// here. The MariaDB row was recorded from the sandbox's MariaDB 10.11.
/// </summary>
public sealed class ReplicationDialectTests
{
    [Theory]
    [InlineData("8.0.36", "SHOW REPLICA STATUS", "SHOW MASTER STATUS")]
    [InlineData("8.0.21", "SHOW SLAVE STATUS", "SHOW MASTER STATUS")]
    [InlineData("8.4.3", "SHOW REPLICA STATUS", "SHOW BINARY LOG STATUS")]
    [InlineData("9.1.0", "SHOW REPLICA STATUS", "SHOW BINARY LOG STATUS")]
    [InlineData("10.11.19-MariaDB-0+deb12u1-log", "SHOW SLAVE STATUS", "BINLOG_SNAPSHOT_POSITION")]
    [InlineData("11.4.2-MariaDB", "SHOW SLAVE STATUS", "BINLOG_SNAPSHOT_POSITION")]
    public void Statements_follow_the_server_version(string version, string replicaStatus, string binaryLogStatus)
    {
        var dialect = ReplicationDialect.ForServer(version);

        Assert.Equal(replicaStatus, dialect.ReplicaStatusStatement);
        Assert.Contains(binaryLogStatus, dialect.BinaryLogStatusStatement);
    }

    [Theory]
    [InlineData("10.11.19-MariaDB-0+deb12u1-log", "rpl_semi_sync_master", "rpl_semi_sync_slave_enabled", "wait_no_slave")]
    [InlineData("8.0.25", "rpl_semi_sync_master", "rpl_semi_sync_slave_enabled", "wait_no_slave")]
    [InlineData("8.0.36", "rpl_semi_sync_source", "rpl_semi_sync_replica_enabled", "wait_no_replica")]
    [InlineData("8.4.3", "rpl_semi_sync_source", "rpl_semi_sync_replica_enabled", "wait_no_replica")]
    public void Semi_sync_makes_the_master_wait_after_sync_and_the_followers_acknowledge_under_the_versions_variable_names(string version, string source, string replica,
        string waitNoReplica)
    {
        var dialect = ReplicationDialect.ForServer(version);

        var settings = new MySqlHa.Replication.Commands.SemiSyncSettings(true, TimeSpan.FromSeconds(5));

        var master = dialect.ConfigureSemiSync(settings, asMaster: true);
        var follower = dialect.ConfigureSemiSync(settings, asMaster: false);
        var off = dialect.ConfigureSemiSync(MySqlHa.Replication.Commands.SemiSyncSettings.Off, asMaster: true);

        // A master that never fell back is switched off for a moment first: its waiting commits keep their endless deadline otherwise.
        Assert.Equal($"SET GLOBAL {source}_enabled = IF(@@GLOBAL.{source}_timeout >= 4294967295, 0, @@GLOBAL.{source}_enabled); " +
                     $"SET GLOBAL {source}_wait_point = 'AFTER_SYNC'; SET GLOBAL {source}_timeout = 5000; SET GLOBAL {source}_{waitNoReplica} = ON; " +
                     $"SET GLOBAL {replica} = OFF; SET GLOBAL {source}_enabled = ON", master);
        Assert.Equal($"SET GLOBAL {source}_enabled = OFF; SET GLOBAL {replica} = ON", follower);
        Assert.Equal($"SET GLOBAL {source}_enabled = OFF; SET GLOBAL {replica} = OFF", off);
    }

    [Theory]
    [InlineData("mysql-8.0-show-replica-status.txt", "8.0.36")]
    [InlineData("mysql-8.4-show-replica-status.txt", "8.4.3")]
    public void MySql_replica_status_reads_source_threads_lag_and_gtid_set(string recording, string version)
    {
        var status = ReplicationDialect.ForServer(version).ReadReplicaStatus(Recorded.VerticalRow(recording));

        Assert.Equal(new ServerEndpoint("10.0.0.11", 3306), status.Source);
        Assert.Equal(ReplicationThreadState.Running, status.IoThread);
        Assert.Equal(ReplicationThreadState.Running, status.SqlThread);
        Assert.Equal(2, status.SecondsBehindSource);
        Assert.True(status.UsesGtidAutoPositioning);
        Assert.Equal("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77,4f2d0a1c-71ca-11e1-9e33-c80aa9429562:1-5", status.ReceivedGtidSet);
        Assert.Equal("binlog.000012", status.SourceLogFile);
    }

    [Fact]
    public void MariaDb_replica_status_reads_a_connecting_io_thread_and_its_error()
    {
        var status = ReplicationDialect.ForServer("10.11.19-MariaDB").ReadReplicaStatus(
            Recorded.VerticalRow("mariadb-10.11-show-slave-status-connecting.txt"));

        Assert.Equal(new ServerEndpoint("127.0.0.1", 3307), status.Source);
        Assert.Equal(ReplicationThreadState.Connecting, status.IoThread);
        Assert.Equal(ReplicationThreadState.Running, status.SqlThread);
        Assert.Null(status.SecondsBehindSource);
        Assert.False(status.IsReplicating);
        Assert.True(status.UsesGtidAutoPositioning);
        Assert.Contains("Access denied", status.LastIoError);
    }
}
