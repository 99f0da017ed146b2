using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// Retention of the binlog archive: which archived files no restore can need any more, and the index without them.
/// A restore starts from a kept backup and replays what follows its GTID position, so a file may go only when it lies
/// wholly at or before the oldest kept backup's position (the horizon) in every domain: where it starts and every
/// transaction in it (a file without transactions goes when its start is before the horizon). Files of several
/// servers overlap after a switchover; each is judged on its own GTIDs. A file still being written (not finished)
/// stays, whatever it holds so far: it may yet receive transactions after the horizon. A switchover leaves the former
/// master's last file unfinished for good (the archive stopped following it mid-file); once another server's file
/// holds a transaction past it in one of its domains, the archive follows that server, and the file is judged as a
/// finished one. Should the archive return to that server and that file, it uploads the file whole again, so a file
/// pruned meanwhile comes back with everything it holds. With no backup kept, nothing goes. Pure, so the decision is
/// the same wherever it is tested.
/// </summary>
public static class ArchiveRetention
{
    /// <summary>
    /// How many prunings the index remembers, to answer a repeated request: a controller repeats one only while it
    /// retries that call, and retention runs once per backup, so a few are plenty.
    /// </summary>
    public const int RememberedPrunings = 16;

    /// <summary>The files a restore from a backup at <paramref name="horizon"/> or later cannot need; none when no backup is kept (null).</summary>
    public static IReadOnlyList<ArchivedBinlogFile> Unneeded(IEnumerable<ArchivedBinlogFile> files, string? horizon)
    {
        if (horizon is null) return [];
        var position = ArchiveCoverage.Positions(horizon);
        var all = files.ToList();
        return [.. all.Where(f => Settled(f, all) && AtOrBefore(f.StartGtids, position) && AtOrBefore(f.LastGtids, position))];
    }

    /// <summary>Finished, or left behind by the archive: another server's file goes past it in one of its domains.</summary>
    private static bool Settled(ArchivedBinlogFile file, IReadOnlyList<ArchivedBinlogFile> files)
    {
        if (file.Finished) return true;
        var last = ArchiveCoverage.Positions(file.LastGtids.Length > 0 ? file.LastGtids : file.StartGtids);
        return files.Any(other => other.Server != file.Server
            && ArchiveCoverage.Positions(other.LastGtids).Any(p => last.TryGetValue(p.Key, out var mine) && p.Value > mine));
    }

    /// <summary>
    /// The pruning <paramref name="request"/> asks for, applied to <paramref name="index"/>: the index to write
    /// (null when nothing changes) and the answer. A request seen before is answered as it was then; otherwise the
    /// unneeded files leave the index and the pruning is recorded in it, so that the same write removes them and
    /// remembers the answer. A request that finds nothing to delete changes nothing.
    /// </summary>
    public static (BinlogArchiveIndex? Changed, ArchivePruned Pruned) Prune(BinlogArchiveIndex index, PruneArchiveRequest request, DateTimeOffset now)
    {
        var earlier = index.Prunings ?? [];
        if (earlier.FirstOrDefault(p => p.RequestId == request.RequestId) is { } repeated) return (null, repeated);
        var unneeded = Unneeded(index.Files, request.HorizonGtids);
        var pruned = new ArchivePruned(request.RequestId, request.HorizonGtids, [.. unneeded.Select(f => f.Key)], unneeded.Sum(f => f.Size), now);
        if (unneeded.Count == 0) return (null, pruned);
        var gone = unneeded.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var changed = index with
        {
            Files = [.. index.Files.Where(f => !gone.Contains(f.Key))],
            UpdatedAt = now,
            Prunings = [.. earlier.TakeLast(RememberedPrunings - 1), pruned],
        };
        return (changed, pruned);
    }

    private static bool AtOrBefore(string gtids, IReadOnlyDictionary<long, long> horizon) =>
        ArchiveCoverage.Positions(gtids).All(p => p.Value <= horizon.GetValueOrDefault(p.Key));
}
