using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Restores;

namespace MySqlHa.Tests.Replication.Backups;

/// <summary>Which archived binlogs retention deletes, worked out on indexes written by hand.</summary>
public sealed class ArchiveRetentionDecisionTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ArchivedBinlogFile File(string server, string name, string start, string last, bool finished = true) =>
        new(server, name, $"c/binlogs/{server}/{name}", start, last, At, At, 100, finished);

    // db1 wrote 0-1-1..0-1-20 in two files; after a switchover db2's binlog repeats from 0-1-14 and goes on to 0-2-40.
    // db1's second file stays unfinished: the archive stopped following db1 in the middle of it.
    private static readonly BinlogArchiveIndex Switched = new(
    [
        File("1", "bin.000001", "", "0-1-10"),
        File("1", "bin.000002", "0-1-10", "0-1-20", finished: false),
        File("2", "bin.000001", "0-1-14", "0-2-30"),
        File("2", "bin.000002", "0-2-30", "0-2-40", finished: false),
    ], At);

    private static IEnumerable<string> Keys(IEnumerable<ArchivedBinlogFile> files) => files.Select(f => f.Key);

    [Fact]
    public void Overlapping_files_of_two_servers_go_only_when_wholly_before_the_horizon_and_the_replay_from_it_still_reaches_the_end()
    {
        // db1's second file holds 0-1-17..20, past a backup at 0-1-16; db2's first repeats 0-1-15.. and goes further.
        Assert.Equal(["c/binlogs/1/bin.000001"], Keys(ArchiveRetention.Unneeded(Switched.Files, "0-1-16")));
        // Once the oldest backup is past db2's first file, every finished file goes; db2's current file stays.
        Assert.Equal(["c/binlogs/1/bin.000001", "c/binlogs/1/bin.000002", "c/binlogs/2/bin.000001"],
            Keys(ArchiveRetention.Unneeded(Switched.Files, "0-2-35")));

        foreach (var horizon in new[] { "0-1-16", "0-1-20", "0-2-30", "0-2-35" })
        {
            var (pruned, _) = ArchiveRetention.Prune(Switched, new PruneArchiveRequest(Guid.NewGuid(), horizon), At);
            var plan = ReplayPlan.Decide(horizon, At, new RestoreTarget(RestoreTarget.Latest), pruned ?? Switched);
            Assert.True(plan.Refusal is null, $"from {horizon}: {plan.Refusal}");
        }
    }

    [Fact]
    public void A_file_goes_only_when_it_is_before_the_horizon_in_every_domain()
    {
        var files = new[]
        {
            File("1", "bin.000001", "", "0-1-10,1-1-5"),
            // Domain 1's transactions all came before this file: its start says so, and it holds none of them.
            File("1", "bin.000002", "0-1-10,1-1-5", "0-1-20"),
        };
        // Domain 1 stops at 3 in the backup: the first file holds 1-1-4 and 1-1-5, the second starts after them.
        Assert.Empty(ArchiveRetention.Unneeded(files, "0-1-25,1-1-3"));
        // A backup without domain 1 holds none of it: nothing of domain 1 may go.
        Assert.Empty(ArchiveRetention.Unneeded(files, "0-1-25"));
        Assert.Equal(["c/binlogs/1/bin.000001"], Keys(ArchiveRetention.Unneeded(files, "0-1-15,1-1-5")));
        Assert.Equal(["c/binlogs/1/bin.000001", "c/binlogs/1/bin.000002"], Keys(ArchiveRetention.Unneeded(files, "0-1-20,1-1-5")));
    }

    [Fact]
    public void A_file_still_being_written_stays_whatever_it_holds_so_far()
    {
        var files = new[] { File("1", "bin.000001", "", "0-1-10"), File("1", "bin.000002", "0-1-10", "0-1-12", finished: false) };
        Assert.Equal(["c/binlogs/1/bin.000001"], Keys(ArchiveRetention.Unneeded(files, "0-1-50")));
    }

    [Fact]
    public void The_former_masters_last_file_left_unfinished_by_a_switchover_goes_once_the_new_master_wrote_past_it()
    {
        Assert.Contains("c/binlogs/1/bin.000002", Keys(ArchiveRetention.Unneeded(Switched.Files, "0-1-20")));
        // Right after the switch db2 holds nothing past db1's file: the archive may still be following db1, which stays.
        var justSwitched = new[]
        {
            File("1", "bin.000001", "", "0-1-10"),
            File("1", "bin.000002", "0-1-10", "0-1-20", finished: false),
            File("2", "bin.000001", "0-1-14", "0-1-20", finished: false),
        };
        Assert.Equal(["c/binlogs/1/bin.000001"], Keys(ArchiveRetention.Unneeded(justSwitched, "0-1-20")));
    }

    [Fact]
    public void A_finished_file_without_transactions_goes_when_it_starts_before_the_horizon()
    {
        var files = new[] { File("1", "bin.000002", "0-1-10", ""), File("1", "bin.000003", "0-1-30", "") };
        Assert.Equal(["c/binlogs/1/bin.000002"], Keys(ArchiveRetention.Unneeded(files, "0-1-20")));
        Assert.Equal(["c/binlogs/1/bin.000002", "c/binlogs/1/bin.000003"], Keys(ArchiveRetention.Unneeded(files, "0-1-30")));
    }

    [Fact]
    public void With_no_backup_kept_nothing_goes()
    {
        Assert.Empty(ArchiveRetention.Unneeded(Switched.Files, null));
    }

    [Fact]
    public void A_pruning_drops_the_files_and_is_remembered_so_that_a_repeated_request_is_answered_the_same()
    {
        var request = new PruneArchiveRequest(Guid.NewGuid(), "0-1-20");
        var (pruned, answer) = ArchiveRetention.Prune(Switched, request, At);
        Assert.NotNull(pruned);
        Assert.Equal(["c/binlogs/1/bin.000001", "c/binlogs/1/bin.000002"], answer.DeletedKeys);
        Assert.Equal(200, answer.DeletedBytes);
        Assert.Equal(["c/binlogs/2/bin.000001", "c/binlogs/2/bin.000002"], Keys(pruned.Files));
        Assert.Equal([answer], pruned.Prunings!);

        // The same request again: the same answer, nothing written.
        var (again, repeated) = ArchiveRetention.Prune(pruned, request, At.AddMinutes(1));
        Assert.Null(again);
        Assert.Same(answer, repeated);
        // Another request at the same horizon finds nothing left to delete.
        var (unchanged, nothing) = ArchiveRetention.Prune(pruned, request with { RequestId = Guid.NewGuid() }, At.AddMinutes(1));
        Assert.Null(unchanged);
        Assert.Empty(nothing.DeletedKeys);
        Assert.Equal(0, nothing.DeletedBytes);
    }

    [Fact]
    public void The_index_remembers_only_the_latest_prunings()
    {
        var index = Switched;
        for (var i = 0; i < ArchiveRetention.RememberedPrunings + 3; i++)
        {
            var file = File("3", $"bin.{i:000000}", $"5-3-{i}", $"5-3-{i + 1}");
            index = index with { Files = [.. index.Files, file] };
            index = ArchiveRetention.Prune(index, new PruneArchiveRequest(Guid.NewGuid(), $"5-3-{i + 1}"), At).Changed!;
        }
        Assert.Equal(ArchiveRetention.RememberedPrunings, index.Prunings!.Count);
        Assert.Equal([$"c/binlogs/3/bin.{ArchiveRetention.RememberedPrunings + 2:000000}"], index.Prunings[^1].DeletedKeys);
    }
}
