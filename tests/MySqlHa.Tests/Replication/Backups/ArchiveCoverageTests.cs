using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Tests.Replication.Backups;

/// <summary>What the binlog archive's index says it covers, worked out on indexes written by hand.</summary>
public sealed class ArchiveCoverageTests
{
    private static ArchivedBinlogFile File(string server, string name, string start, string last) =>
        new(server, name, $"c/binlogs/{server}/{name}", start, last, null, null, 100, true);

    [Fact]
    public void Consecutive_files_of_one_master_make_one_range_per_domain()
    {
        var covered = ArchiveCoverage.Covered([
            File("1", "b.000001", "", "0-1-10,1-1-4"),
            File("1", "b.000002", "0-1-10,1-1-4", "0-1-15"),
            File("1", "b.000003", "0-1-15,1-1-4", "0-1-20,1-1-9"),
        ]);

        Assert.Equal([new GtidRange(0, 1, 20), new GtidRange(1, 1, 9)], covered);
        Assert.Empty(ArchiveCoverage.Gaps(covered));
    }

    [Fact]
    public void A_new_masters_files_that_repeat_archived_transactions_leave_no_gap()
    {
        // The new master's first file starts before the old master's last archived GTID: its binlog holds the
        // replicated transactions too. The Gtid_list may name several servers of a domain; the highest sequence counts.
        var covered = ArchiveCoverage.Covered([
            File("1", "b.000001", "", "0-1-30"),
            File("2", "b.000004", "0-1-12,0-2-3", "0-2-41"),
        ]);

        Assert.Equal([new GtidRange(0, 1, 41)], covered);
    }

    [Fact]
    public void A_missing_file_between_two_leaves_its_transactions_as_a_gap_in_its_domain_only()
    {
        var covered = ArchiveCoverage.Covered([
            File("1", "b.000001", "", "0-1-10,1-1-4"),
            File("1", "b.000003", "0-1-15,1-1-4", "0-1-20,1-1-6"),
        ]);

        Assert.Equal([new GtidRange(0, 11, 15)], ArchiveCoverage.Gaps(covered));
        Assert.Equal(new Dictionary<long, long> { [0] = 20, [1] = 6 }, ArchiveCoverage.End([File("1", "b.000003", "0-1-15,1-1-4", "0-1-20,1-1-6")]));
    }

    [Fact]
    public void A_file_without_transactions_covers_nothing_and_a_bad_gtid_is_refused()
    {
        Assert.Empty(ArchiveCoverage.Of(File("1", "b.000002", "0-1-10", "")));
        Assert.Throws<FormatException>(() => ArchiveCoverage.Positions("0-1"));
    }
}
