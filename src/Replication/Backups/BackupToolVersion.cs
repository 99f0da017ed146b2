using System.Text.RegularExpressions;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// The server a physical backup tool was built from, as its --version says:
/// <c>mariadb-backup based on MariaDB server 10.11.19-MariaDB debian-linux-gnu (x86_64)</c>, or Percona XtraBackup's
/// <c>xtrabackup version 8.0.35-30 based on MySQL server 8.0.35 Linux (x86_64) (revision id: 6beb4b49)</c>.
/// A tool copies InnoDB files it must understand: mariadb-backup only those of its own MariaDB series, XtraBackup only
/// those of its MySQL series and of servers no newer than itself. A backup with the wrong tool fails late or, worse,
/// yields files that do not prepare, so the agent checks before it starts.
/// </summary>
public sealed partial record BackupToolVersion(DatabaseFlavor Flavor, Version Version)
{
    /// <summary>The tool's version, or null when its output names no server it was built from.</summary>
    public static BackupToolVersion? Parse(string versionOutput)
    {
        var match = BasedOn().Match(versionOutput);
        return match.Success
            ? new BackupToolVersion(match.Groups["flavor"].Value == "MariaDB" ? DatabaseFlavor.MariaDb : DatabaseFlavor.MySql,
                Version.Parse(match.Groups["version"].Value))
            : null;
    }

    /// <summary>Why this tool cannot back up a server of <paramref name="serverVersion"/> (as the server announces it), or null when it can.</summary>
    public string? ProblemWith(string serverVersion)
    {
        var serverFlavor = DatabaseFlavorNames.FromServerVersion(serverVersion);
        var server = ReplicationDialect.ParseVersion(serverVersion);
        var tool = $"{Name(Flavor)} built for {Flavor.ToName()} {Version}";
        if (serverFlavor != Flavor)
            return $"the server is {serverFlavor.ToName()} {server}, but the backup tool is {tool}: " +
                   "MariaDB needs mariadb-backup (with mbstream), MySQL needs Percona XtraBackup (with xbstream); set Backup:Tool and Backup:StreamTool";
        if (server.Major != Version.Major || server.Minor != Version.Minor)
            return $"the server is {serverFlavor.ToName()} {server}, but the backup tool is {tool}: the tool must be of the server's own series ({server.Major}.{server.Minor})";
        if (Flavor == DatabaseFlavor.MySql && server.Build > Version.Build)
            return $"the server is mysql {server}, newer than the backup tool ({tool}): XtraBackup refuses servers newer than itself; install XtraBackup {server} or later";
        return null;
    }

    private static string Name(DatabaseFlavor flavor) => flavor == DatabaseFlavor.MariaDb ? "mariadb-backup" : "Percona XtraBackup";

    [GeneratedRegex(@"based on (?<flavor>MariaDB|MySQL) server (?<version>\d+\.\d+\.\d+)")]
    private static partial Regex BasedOn();
}
