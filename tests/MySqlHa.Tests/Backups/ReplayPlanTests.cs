using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Restores;

namespace MySqlHa.Tests.Backups;

/// <summary>The pure planning of a point-in-time replay from the archive's index.</summary>
public sealed class ReplayPlanTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ArchivedBinlogFile File(string server, string name, string start, string last, int firstSecond, int lastSecond) =>
        new(server, name, $"c/binlogs/{server}/{name}", start, last, At.AddSeconds(firstSecond), At.AddSeconds(lastSecond), 100, true);

    // db1 wrote 0-1-1..0-1-20 in two files; after a failover db2 repeats from 0-1-15 and goes on to 0-2-30.
    private static readonly BinlogArchiveIndex Index = new(
    [
        File("1", "bin.000001", "", "0-1-10", 0, 10),
        File("1", "bin.000002", "0-1-10", "0-1-20", 10, 20),
        File("2", "bin.000001", "0-1-14", "0-2-30", 15, 30),
    ], At);

    [Fact]
    public void The_chain_starts_inside_a_file_at_the_backups_position_and_follows_the_new_master_to_the_target()
    {
        // db2's file starts after 0-1-12 (its Gtid_list is 0-1-14): mariadb-binlog cannot start there, so db1's second file comes first.
        var latest = ReplayPlan.Decide("0-1-12", At.AddSeconds(12), new RestoreTarget(RestoreTarget.Latest), Index);
        Assert.Null(latest.Refusal);
        Assert.Equal(["c/binlogs/1/bin.000002", "c/binlogs/2/bin.000001"], latest.BinlogKeys);
        Assert.Equal(["c/binlogs/2/bin.000001"], ReplayPlan.Decide("0-1-16", At.AddSeconds(16), new RestoreTarget(RestoreTarget.Latest), Index).BinlogKeys);

        var early = ReplayPlan.Decide("0-1-5", At.AddSeconds(5), new RestoreTarget(RestoreTarget.Position, Gtid: "0-2-25"), Index);
        Assert.Equal(["c/binlogs/1/bin.000001", "c/binlogs/1/bin.000002", "c/binlogs/2/bin.000001"], early.BinlogKeys);
        Assert.Equal("0-2-25", early.StopGtid);

        var toTime = ReplayPlan.Decide("0-1-5", At.AddSeconds(5), new RestoreTarget(RestoreTarget.Timestamp, Time: At.AddSeconds(12)), Index);
        Assert.Equal(["c/binlogs/1/bin.000001", "c/binlogs/1/bin.000002"], toTime.BinlogKeys);
        Assert.Equal(At.AddSeconds(12), toTime.StopAt);

        Assert.Empty(ReplayPlan.Decide("0-1-12", At, RestoreTarget.AtBackup, Index).BinlogKeys);
    }

    [Fact]
    public void A_target_past_the_archive_before_the_backup_or_across_a_gap_is_refused()
    {
        Assert.Contains("unknown", ReplayPlan.Decide("0-1-5", At, new RestoreTarget(RestoreTarget.Position, Gtid: "0-2-31"), Index).Refusal);
        Assert.Contains("before the backup", ReplayPlan.Decide("0-1-12", At, new RestoreTarget(RestoreTarget.Position, Gtid: "0-1-8"), Index).Refusal);
        Assert.Contains("newest event", ReplayPlan.Decide("0-1-5", At, new RestoreTarget(RestoreTarget.Timestamp, Time: At.AddMinutes(1)), Index).Refusal);
        Assert.Contains("before the backup ended", ReplayPlan.Decide("0-1-5", At.AddSeconds(9), new RestoreTarget(RestoreTarget.Timestamp, Time: At.AddSeconds(8)), Index).Refusal);
        Assert.Contains("not a position", ReplayPlan.Decide("0-1-5", At, new RestoreTarget(RestoreTarget.Position, Gtid: "seven"), Index).Refusal);

        var withGap = new BinlogArchiveIndex([Index.Files[0], Index.Files[2]], At);
        Assert.Contains("missing", ReplayPlan.Decide("0-1-5", At, new RestoreTarget(RestoreTarget.Latest), withGap).Refusal);
    }
}
