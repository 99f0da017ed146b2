using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Workflows.Restores;

/// <summary>The archived binlogs a point-in-time restore replays after its backup, in order, and where it stops; or why it cannot.</summary>
public sealed record ReplayPlan(IReadOnlyList<string> BinlogKeys, string? StopGtid, DateTimeOffset? StopAt, string? Refusal)
{
    public static readonly ReplayPlan None = new([], null, null, null);

    private static ReplayPlan Refuse(string reason) => new([], null, null, reason);

    /// <summary>
    /// Chains archived files from the backup's GTID position to the target: each next file starts (its Gtid_list) at
    /// or before the position reached and takes it further, as mariadb-binlog needs to start inside a file. A target
    /// past the archive's end, before the backup, or across a gap is refused: the restore would not be what was asked.
    /// </summary>
    public static ReplayPlan Decide(string backupGtid, DateTimeOffset backupEndedAt, RestoreTarget target, BinlogArchiveIndex index)
    {
        if (!target.ReplaysBinlogs) return None;
        var files = index.Files;
        var archiveEnd = ArchiveCoverage.End(files);
        var newest = files.Select(f => f.LastEventAt).Max();
        IReadOnlyDictionary<long, long> goal;
        switch (target.Kind)
        {
            case RestoreTarget.Latest:
                goal = archiveEnd;
                break;
            case RestoreTarget.Timestamp:
                if (target.Time < backupEndedAt)
                    return Refuse($"{target.Time:O} is before the backup ended ({backupEndedAt:O}); restore an older backup.");
                if (newest is null || newest < target.Time)
                    return Refuse($"The binlog archive's newest event is at {(newest is null ? "(nothing archived)" : newest.Value.ToString("O"))}, " +
                                  $"before {target.Time:O}: the archive cannot say what happened up to then.");
                goal = ArchiveCoverage.End(files.Where(f => f.FirstEventAt is { } first && first < target.Time));
                break;
            default:
                IReadOnlyDictionary<long, long> wanted;
                try
                {
                    wanted = ArchiveCoverage.Positions(target.Gtid ?? "");
                }
                catch (FormatException e)
                {
                    return Refuse($"The target GTID is not a position: {e.Message}.");
                }
                var beyond = wanted.Where(w => w.Value > archiveEnd.GetValueOrDefault(w.Key)).ToList();
                if (wanted.Count == 0 || beyond.Count > 0)
                    return Refuse($"GTID {target.Gtid} is unknown: the binlog archive ends at {Text(archiveEnd)}.");
                goal = wanted;
                break;
        }

        var position = ArchiveCoverage.Positions(backupGtid).ToDictionary();
        var behind = goal.Where(g => g.Value < position.GetValueOrDefault(g.Key)).ToList();
        if (target.Kind == RestoreTarget.Position && behind.Count > 0)
            return Refuse($"GTID {target.Gtid} is before the backup's position {backupGtid}; restore an older backup.");
        var keys = new List<string>();
        while (goal.Any(g => position.GetValueOrDefault(g.Key) < g.Value))
        {
            var next = files.Where(f => StartsAtOrBefore(f, position) && Advances(f, position))
                .OrderByDescending(f => ArchiveCoverage.Positions(f.LastGtids).Sum(p => p.Value)).FirstOrDefault();
            if (next is null)
                return Refuse($"The binlog archive has no file that continues from {Text(position)} towards {Text(goal)}: " +
                              "a range of binlogs is missing (see the archive's gaps).");
            keys.Add(next.Key);
            foreach (var (domain, last) in ArchiveCoverage.Positions(next.LastGtids))
                position[domain] = Math.Max(last, position.GetValueOrDefault(domain));
        }
        return new ReplayPlan(keys, target.Kind == RestoreTarget.Position ? target.Gtid : null, target.Kind == RestoreTarget.Timestamp ? target.Time : null, null);
    }

    private static bool StartsAtOrBefore(ArchivedBinlogFile file, IReadOnlyDictionary<long, long> position) =>
        ArchiveCoverage.Positions(file.StartGtids).All(s => s.Value <= position.GetValueOrDefault(s.Key));

    private static bool Advances(ArchivedBinlogFile file, IReadOnlyDictionary<long, long> position) =>
        ArchiveCoverage.Positions(file.LastGtids).Any(l => l.Value > position.GetValueOrDefault(l.Key));

    private static string Text(IReadOnlyDictionary<long, long> positions) =>
        positions.Count == 0 ? "(nothing)" : string.Join(",", positions.OrderBy(p => p.Key).Select(p => $"{p.Key}-…-{p.Value}"));
}
