using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Status;

public static class GtidSets
{
    /// <summary>
    /// How many transactions a GTID set covers. MariaDB: "domain-server-seq" per domain, so the sum of the
    /// sequence numbers. MySQL: "uuid:1-5:7-9,uuid2:1-3", so the sum of the interval lengths.
    /// </summary>
    public static long CountTransactions(DatabaseFlavor flavor, string gtidSet)
    {
        long total = 0;
        foreach (var member in gtidSet.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (flavor == DatabaseFlavor.MariaDb)
            {
                var parts = member.Split('-');
                if (parts.Length == 3 && long.TryParse(parts[2], out var sequence)) total += sequence;
                continue;
            }
            foreach (var interval in member.Split(':').Skip(1))
            {
                var bounds = interval.Split('-');
                if (!long.TryParse(bounds[0], out var start)) continue;
                var end = bounds.Length == 2 && long.TryParse(bounds[1], out var last) ? last : start;
                total += end - start + 1;
            }
        }
        return total;
    }

    /// <summary>
    /// The transactions of <paramref name="candidate"/> that <paramref name="reference"/> lacks, in the flavor's
    /// notation; empty when the candidate has nothing of its own ("errant GTIDs" when the reference is the master).
    /// MariaDB compares per domain: a higher sequence, or a domain the reference lacks, is extra.
    /// </summary>
    public static string Missing(DatabaseFlavor flavor, string candidate, string reference) =>
        flavor == DatabaseFlavor.MariaDb ? MissingMariaDb(candidate, reference) : MissingMySql(candidate, reference);

    /// <summary>
    /// The transactions of <paramref name="follower"/> that did not come from the old master: those missing from the
    /// master's last known set and not written by the master after we last saw it. MariaDB names the writing server
    /// in each GTID, so a missing GTID written by <paramref name="masterServerId"/> is only newer than our last look.
    /// MySQL's GTIDs name a server UUID we do not read, so a missing transaction is errant when its UUID appears
    /// nowhere in the master's last known set (a replica's own writes), and newer than our look otherwise.
    /// </summary>
    public static string Errant(DatabaseFlavor flavor, string follower, string masterLastKnown, long masterServerId)
    {
        var missing = Missing(flavor, follower, masterLastKnown).Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (flavor == DatabaseFlavor.MariaDb)
            return string.Join(",", missing.Where(gtid => gtid.Split('-')[1] != masterServerId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var masterSources = masterLastKnown.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(member => member.Split(':')[0].ToLowerInvariant()).ToHashSet();
        return string.Join(",", missing.Where(interval => !masterSources.Contains(interval.Split(':')[0].ToLowerInvariant())));
    }

    private static string MissingMariaDb(string candidate, string reference)
    {
        static Dictionary<string, (string Server, long Sequence)> Parse(string set) => set
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(g => g.Split('-'))
            .Where(p => p.Length == 3)
            .ToDictionary(p => p[0], p => (p[1], long.Parse(p[2])));
        var have = Parse(reference);
        return string.Join(",", Parse(candidate)
            .Where(g => !have.TryGetValue(g.Key, out var other) || g.Value.Sequence > other.Sequence)
            .Select(g => $"{g.Key}-{g.Value.Server}-{g.Value.Sequence}"));
    }

    private static string MissingMySql(string candidate, string reference)
    {
        static Dictionary<string, List<(long Start, long End)>> Parse(string set) => set
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(member => member.Split(':'))
            .GroupBy(parts => parts[0].ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.SelectMany(parts => parts.Skip(1)).Select(interval =>
            {
                var bounds = interval.Split('-');
                var start = long.Parse(bounds[0]);
                return (start, bounds.Length == 2 ? long.Parse(bounds[1]) : start);
            }).ToList());
        var have = Parse(reference);
        var missing = new List<string>();
        foreach (var (uuid, intervals) in Parse(candidate))
        {
            var covered = (have.GetValueOrDefault(uuid) ?? []).OrderBy(c => c.Start).ToList();
            foreach (var (start, end) in intervals)
            {
                var cursor = start;
                foreach (var (coveredStart, coveredEnd) in covered)
                {
                    if (coveredEnd < cursor) continue;
                    if (coveredStart > end || cursor > end) break;
                    if (coveredStart > cursor) missing.Add(Interval(uuid, cursor, coveredStart - 1));
                    cursor = Math.Max(cursor, coveredEnd + 1);
                }
                if (cursor <= end) missing.Add(Interval(uuid, cursor, end));
            }
        }
        return string.Join(",", missing);
    }

    private static string Interval(string uuid, long start, long end) => start == end ? $"{uuid}:{start}" : $"{uuid}:{start}-{end}";
}
