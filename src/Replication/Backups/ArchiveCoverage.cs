using System.Globalization;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// What the binlog archive covers, from its index alone (MariaDB GTIDs, "domain-server-sequence"): a file covers, in
/// each domain, the sequence numbers after its start state (its Gtid_list) up to its last GTID; files of different
/// servers may overlap (a new master's binlog repeats what it replicated), and what lies between covered ranges is a
/// gap. Pure, so the controller's restore can ask the same questions the agent answers.
/// </summary>
public static class ArchiveCoverage
{
    /// <summary>Each domain's highest sequence number in a MariaDB GTID list ("0-1-5,0-2-7,1-1-3" gives 0→7, 1→3).</summary>
    public static IReadOnlyDictionary<long, long> Positions(string gtids)
    {
        var positions = new Dictionary<long, long>();
        foreach (var gtid in gtids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = gtid.Split('-');
            if (parts.Length != 3
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var domain)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                throw new FormatException($"'{gtid}' is not a MariaDB GTID (domain-server-sequence)");
            positions[domain] = Math.Max(sequence, positions.GetValueOrDefault(domain));
        }
        return positions;
    }

    /// <summary>The ranges one file covers: per domain with a transaction in it, from after its start state to its last GTID.</summary>
    public static IEnumerable<GtidRange> Of(ArchivedBinlogFile file)
    {
        var start = Positions(file.StartGtids);
        foreach (var (domain, last) in Positions(file.LastGtids))
        {
            var first = start.GetValueOrDefault(domain) + 1;
            if (last >= first) yield return new GtidRange(domain, first, last);
        }
    }

    /// <summary>The union of the files' ranges, merged per domain, in domain and sequence order.</summary>
    public static IReadOnlyList<GtidRange> Covered(IEnumerable<ArchivedBinlogFile> files)
    {
        var merged = new List<GtidRange>();
        foreach (var range in files.SelectMany(Of).OrderBy(r => r.Domain).ThenBy(r => r.First))
        {
            if (merged.Count > 0 && merged[^1] is var previous && previous.Domain == range.Domain && range.First <= previous.Last + 1)
                merged[^1] = previous with { Last = Math.Max(previous.Last, range.Last) };
            else
                merged.Add(range);
        }
        return merged;
    }

    /// <summary>The sequence numbers missing between covered ranges of a domain: transactions the archive cannot replay.</summary>
    public static IReadOnlyList<GtidRange> Gaps(IReadOnlyList<GtidRange> covered) =>
        covered.Zip(covered.Skip(1))
            .Where(pair => pair.First.Domain == pair.Second.Domain)
            .Select(pair => new GtidRange(pair.First.Domain, pair.First.Last + 1, pair.Second.First - 1))
            .ToList();

    /// <summary>Each domain's highest archived sequence number: where the archive ends.</summary>
    public static IReadOnlyDictionary<long, long> End(IEnumerable<ArchivedBinlogFile> files)
    {
        var end = new Dictionary<long, long>();
        foreach (var file in files)
            foreach (var (domain, sequence) in Positions(file.StartGtids).Concat(Positions(file.LastGtids)))
                end[domain] = Math.Max(sequence, end.GetValueOrDefault(domain));
        return end;
    }
}
