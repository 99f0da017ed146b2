using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Tests.Replication.Backups;

/// <summary>
/// What the physical backup tools write, read from their recorded output (Replication/Recorded): mariadb-backup's from
/// the sandbox, Percona XtraBackup's for MySQL as it prints it (no MySQL server or XtraBackup exists on our machines).
/// </summary>
public sealed class BackupToolOutputTests
{
    private static string RecordedText(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Replication", "Recorded", file));

    [Fact]
    public void Mariadb_backups_point_is_its_binlog_coordinates_and_gtid_position()
    {
        var point = BackupPoint.FromInfo(RecordedText("mariadb-backup-10.11-xtrabackup_info.txt"));

        Assert.Equal(new BackupPoint("0-1-3", "mariadb-bin.000001", 973), point);
    }

    [Fact]
    public void Xtrabackups_gtid_set_over_several_lines_is_read_whole_onto_one_line()
    {
        const string set = "5da251ea-74c1-11eb-8aac-fa163e95ab6d:1-21,722e4aaa-7579-11eb-b5d9-fa163e95ab6d:1-8,8deb070d-74c1-11eb-90e7-fa163e95ab6d:1-8";

        Assert.Equal(new BackupPoint(set, "binlog.000007", 1763), BackupPoint.FromInfo(RecordedText("xtrabackup-8.0-xtrabackup_info.txt")));
        Assert.Equal(new BackupPoint(set, "binlog.000007", 1763), BackupPoint.FromBinlogInfo(RecordedText("xtrabackup-8.0-xtrabackup_binlog_info.txt")));
    }

    [Fact]
    public void A_backup_of_a_server_without_a_binary_log_has_no_point_and_an_unreadable_one_is_refused()
    {
        Assert.Equal(new BackupPoint("", null, null), BackupPoint.FromInfo("tool_name = mariadb-backup\ninnodb_to_lsn = 47000\n"));
        Assert.Throws<InvalidDataException>(() => BackupPoint.FromInfo("binlog_pos = somewhere else\n"));
    }

    [Fact]
    public void Each_tool_says_which_server_it_was_built_for()
    {
        Assert.Equal(new BackupToolVersion(DatabaseFlavor.MariaDb, new Version(10, 11, 19)),
            BackupToolVersion.Parse(RecordedText("mariadb-backup-10.11-version.txt")));
        Assert.Equal(new BackupToolVersion(DatabaseFlavor.MySql, new Version(8, 0, 32)), BackupToolVersion.Parse(RecordedText("xtrabackup-8.0-version.txt")));
        Assert.Null(BackupToolVersion.Parse("gzip 1.12"));
    }

    [Theory]
    [InlineData("mariadb-backup-10.11-version.txt", "10.11.6-MariaDB-0+deb12u1-log", null)]
    [InlineData("mariadb-backup-10.11-version.txt", "11.4.2-MariaDB", "series (11.4)")]
    [InlineData("mariadb-backup-10.11-version.txt", "8.0.35", "MySQL needs Percona XtraBackup")]
    [InlineData("xtrabackup-8.0-version.txt", "8.0.32", null)]
    [InlineData("xtrabackup-8.0-version.txt", "8.0.21", null)]
    [InlineData("xtrabackup-8.0-version.txt", "8.0.35", "newer than the backup tool")]
    [InlineData("xtrabackup-8.0-version.txt", "8.4.3", "series (8.4)")]
    [InlineData("xtrabackup-8.0-version.txt", "10.11.19-MariaDB", "MariaDB needs mariadb-backup")]
    public void A_tool_backs_up_only_servers_of_its_own_flavor_and_series(string toolOutput, string serverVersion, string? problem)
    {
        var found = BackupToolVersion.Parse(RecordedText(toolOutput))!.ProblemWith(serverVersion);

        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }

    [Fact]
    public void Zstds_test_of_a_whole_stream_states_its_exact_decompressed_size_and_of_a_truncated_one_none()
    {
        Assert.Equal(100_000_000, ZstdTestReport.DecompressedBytes(RecordedText("zstd-1.5.4-test.txt")));
        Assert.Null(ZstdTestReport.DecompressedBytes(RecordedText("zstd-1.5.4-test-truncated.txt")));
    }

    // A restored MySQL server's gtid_executed comes from mysql.gtid_executed, behind the backup's point: gtid_purged
    // takes the point only once reset, and SOURCE_AUTO_POSITION=1 then fetches what follows it.
    [Theory]
    [InlineData("10.11.19-MariaDB", "SELECT @@gtid_binlog_pos", "SET GLOBAL gtid_slave_pos = @position")]
    [InlineData("8.0.32", "SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, @@GLOBAL.gtid_purged)", "RESET MASTER; SET GLOBAL gtid_purged = @position")]
    [InlineData("8.4.3", "SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, @@GLOBAL.gtid_purged)",
        "RESET BINARY LOGS AND GTIDS; SET GLOBAL gtid_purged = @position")]
    public void A_restored_server_without_logged_transactions_is_given_the_backups_point_as_its_flavor_takes_it(string version, string logged,
        string setPosition)
    {
        var dialect = ReplicationDialect.ForServer(version);

        Assert.Equal(logged, dialect.LoggedGtidsQuery);
        Assert.Equal(setPosition, dialect.SetRestoredPosition);
        Assert.Contains(dialect.Flavor == DatabaseFlavor.MariaDb ? "MASTER_USE_GTID=slave_pos" : "AUTO_POSITION=1", dialect.ChangeSource);
    }
}
