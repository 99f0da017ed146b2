using System.Text.RegularExpressions;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// The consistent point of a backup as mariadb-backup wrote it in xtrabackup_info, e.g.
/// <c>binlog_pos = filename 'mariadb-bin.000001', position '973', GTID of the last change '0-1-3'</c> (MariaDB 10.11).
/// A server without a binary log has no such line: its point has no coordinates and an empty GTID set.
/// </summary>
internal sealed partial record BackupPoint(string GtidExecuted, string? BinlogFile, long? BinlogPosition)
{
    public static BackupPoint FromInfo(string xtrabackupInfo)
    {
        foreach (var line in xtrabackupInfo.Split('\n'))
        {
            var parts = line.Split('=', 2);
            if (parts.Length != 2 || parts[0].Trim() != "binlog_pos") continue;
            var match = BinlogPos().Match(parts[1]);
            if (!match.Success) throw new JobFailedException($"xtrabackup_info holds a binlog_pos this agent cannot read: {parts[1].Trim()}");
            return new BackupPoint(match.Groups["gtid"].Value, match.Groups["file"].Value, long.Parse(match.Groups["position"].Value));
        }
        return new BackupPoint("", null, null);
    }

    /// <summary>The point in xtrabackup_binlog_info, as a prepared backup holds it: "file\tposition\tgtid".</summary>
    public static BackupPoint FromBinlogInfo(string text)
    {
        var fields = text.Trim().Split('\t');
        return fields.Length >= 2 && long.TryParse(fields[1], out var position)
            ? new BackupPoint(fields.Length > 2 ? fields[2].Trim() : "", fields[0], position)
            : new BackupPoint("", null, null);
    }

    /// <summary>Whether two GTID sets name the same positions, whatever the order of their domains.</summary>
    public static bool SameGtids(string left, string right) =>
        left.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)
            .SequenceEqual(right.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    [GeneratedRegex(@"filename '(?<file>[^']+)', position '(?<position>\d+)'(, GTID of the last change '(?<gtid>[^']*)')?")]
    private static partial Regex BinlogPos();
}
