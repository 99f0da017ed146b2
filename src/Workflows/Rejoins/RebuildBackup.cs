using MySqlHa.Workflows.Backups;

namespace MySqlHa.Workflows.Rejoins;

/// <summary>
/// Which completed backup a diverged instance can be rebuilt from. Not every one: a clone replicates from the
/// backup's point on, and a replica drops the events its own server id wrote (MariaDB's guard against circular
/// replication), so a backup older than the master's last transaction from the instance's server would leave that
/// transaction out of the clone for good. And a backup of the instance taken after it diverged holds what the master
/// lacks. So the backup's point must reach, in every domain, the master's last GTID from the instance's server ids
/// (those of its extra transactions), and be none of those extra transactions.
/// </summary>
public static class RebuildBackup
{
    public static BackupRecord? Choose(IEnumerable<BackupRecord> newestFirst, string masterGtidState, IReadOnlyList<string> extraGtids)
    {
        var extra = extraGtids.Select(Parse).ToList();
        var ownServers = extra.Select(g => g.Server).ToHashSet();
        var needed = masterGtidState.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse)
            .Where(g => ownServers.Contains(g.Server)).GroupBy(g => g.Domain).ToDictionary(d => d.Key, d => d.Max(g => g.Sequence));
        return newestFirst.FirstOrDefault(backup => backup.Manifest is { } manifest && Suits(manifest.GtidExecuted));

        bool Suits(string point)
        {
            try
            {
                var reached = point.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();
                return !reached.Any(extra.Contains)
                       && needed.All(n => reached.Any(g => g.Domain == n.Key && g.Sequence >= n.Value));
            }
            catch (FormatException)
            {
                // Not a MariaDB GTID position (a MySQL backup, say): nothing tells whether it suits.
                return false;
            }
        }
    }

    private readonly record struct Gtid(long Domain, long Server, long Sequence);

    private static Gtid Parse(string text) =>
        text.Trim().Split('-') is [var domain, var server, var sequence]
        && long.TryParse(domain, out var d) && long.TryParse(server, out var s) && long.TryParse(sequence, out var q)
            ? new Gtid(d, s, q)
            : throw new FormatException($"'{text}' is not a MariaDB GTID");
}
