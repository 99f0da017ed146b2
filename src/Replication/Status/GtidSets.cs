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
}
