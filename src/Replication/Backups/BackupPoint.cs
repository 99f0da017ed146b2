using System.Globalization;
using System.Text.RegularExpressions;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// The consistent point of a physical backup as the tool wrote it. mariadb-backup (MariaDB 10.11):
/// <c>binlog_pos = filename 'mariadb-bin.000001', position '973', GTID of the last change '0-1-3'</c> in xtrabackup_info.
/// Percona XtraBackup (MySQL) writes the same line, but with MySQL's GTID set, which the server prints over several
/// lines once it names more than one source ("uuid:1-21,\nuuid:1-8"): the set is read to its closing quote and kept
/// on one line. A server without a binary log has no such line: its point has no coordinates and an empty GTID set.
/// </summary>
public sealed partial record BackupPoint(string GtidExecuted, string? BinlogFile, long? BinlogPosition)
{
    public static BackupPoint FromInfo(string xtrabackupInfo)
    {
        if (!BinlogPosLine().IsMatch(xtrabackupInfo)) return new BackupPoint("", null, null);
        var match = BinlogPos().Match(xtrabackupInfo);
        if (!match.Success)
            throw new InvalidDataException($"xtrabackup_info holds a binlog_pos this agent cannot read: {BinlogPosLine().Match(xtrabackupInfo).Value.Trim()}");
        return new BackupPoint(GtidText.Normalize(match.Groups["gtid"].Value), match.Groups["file"].Value,
            long.Parse(match.Groups["position"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The point in xtrabackup_binlog_info, as a prepared backup holds it: "file\tposition\tgtid set" (the set may span lines).</summary>
    public static BackupPoint FromBinlogInfo(string text)
    {
        var fields = text.Trim().Split('\t', 3);
        return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? new BackupPoint(fields.Length > 2 ? GtidText.Normalize(fields[2]) : "", fields[0], position)
            : new BackupPoint("", null, null);
    }

    /// <summary>Whether two GTID sets name the same positions, whatever the order of their domains.</summary>
    public static bool SameGtids(string left, string right) =>
        left.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)
            .SequenceEqual(right.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    [GeneratedRegex(@"^binlog_pos\s*=.*$", RegexOptions.Multiline)]
    private static partial Regex BinlogPosLine();

    // [^']* runs across line ends: a MySQL GTID set continues on the following lines up to its closing quote.
    [GeneratedRegex(@"^binlog_pos\s*=\s*filename '(?<file>[^']+)', position '(?<position>\d+)'(, GTID of the last change '(?<gtid>[^']*)')?",
        RegexOptions.Multiline)]
    private static partial Regex BinlogPos();
}
