using MySqlHa.Replication.Status;

namespace MySqlHa.Tests.Replication;

public sealed class ReplicationChangeStatementsTests
{
    [Theory]
    [InlineData("10.11.19-MariaDB", "CHANGE MASTER TO MASTER_HOST=", "MASTER_USE_GTID=slave_pos", "START SLAVE", "RESET SLAVE ALL")]
    [InlineData("8.0.22", "CHANGE MASTER TO MASTER_HOST=", "MASTER_AUTO_POSITION=1", "START SLAVE", "RESET SLAVE ALL")]
    [InlineData("8.0.36", "CHANGE REPLICATION SOURCE TO SOURCE_HOST=", "SOURCE_AUTO_POSITION=1", "START REPLICA", "RESET REPLICA ALL")]
    [InlineData("8.4.3", "CHANGE REPLICATION SOURCE TO SOURCE_HOST=", "SOURCE_AUTO_POSITION=1", "START REPLICA", "RESET REPLICA ALL")]
    [InlineData("9.1.0", "CHANGE REPLICATION SOURCE TO SOURCE_HOST=", "SOURCE_AUTO_POSITION=1", "START REPLICA", "RESET REPLICA ALL")]
    public void Replication_statements_use_the_vocabulary_the_version_accepts(
        string version, string changeSource, string positioning, string start, string forget)
    {
        var statements = ReplicationDialect.ForServer(version);

        Assert.StartsWith(changeSource, statements.ChangeSource);
        Assert.Contains(positioning, statements.ChangeSource);
        Assert.Equal(start, statements.StartReplication);
        Assert.Equal(forget, statements.ForgetSource);
    }

    [Fact]
    public void MySql_read_only_goes_through_super_read_only_so_that_super_users_cannot_write()
    {
        var statements = ReplicationDialect.ForServer("8.4.3");

        Assert.Equal("SET GLOBAL super_read_only = ON", statements.SetReadOnly(true));
        Assert.Equal("SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF", statements.SetReadOnly(false));
        Assert.Equal("SET GLOBAL read_only = ON", ReplicationDialect.ForServer("10.11.6-MariaDB").SetReadOnly(true));
    }

    [Theory]
    [InlineData("mariadb", "0-1-42", 42)]
    [InlineData("mariadb", "0-1-42,1-2-8", 50)]
    [InlineData("mysql", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77:80-82,4f2d0a1c-71ca-11e1-9e33-c80aa9429562:5", 81)]
    [InlineData("mysql", "", 0)]
    public void Gtid_sets_count_their_transactions(string flavor, string set, long expected)
    {
        MySqlHa.Replication.Servers.DatabaseFlavorNames.TryParse(flavor, out var parsed);

        Assert.Equal(expected, MySqlHa.Replication.Status.GtidSets.CountTransactions(parsed, set));
    }
}
