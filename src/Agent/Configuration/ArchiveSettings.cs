using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Configuration;

/// <summary>
/// The continuous binlog archive (BinlogArchive:*), written to the backups' repository (Backup:Repository). Off unless
/// BinlogArchive:Enabled is true; when on, one agent of the cluster at a time streams the master's binlogs into the
/// repository (see Archive/BinlogArchiver).
/// </summary>
public sealed record ArchiveSettings(
    bool Enabled,
    ServerCredentials? Credentials,
    uint StreamServerId,
    TimeSpan UploadInterval,
    string BinlogTool)
{
    public static readonly ArchiveSettings Disabled = new(false, null, 0, TimeSpan.FromSeconds(2), "");

    /// <summary>The settings, with every problem added to <paramref name="problems"/>; null credentials mean the agent's admin user.</summary>
    public static ArchiveSettings From(IConfiguration configuration, string cluster, string instance, BackupSettings backup, List<string> problems)
    {
        if (!configuration.GetValue("BinlogArchive:Enabled", false)) return Disabled;
        // The repository is the backups' (Backup:Repository), checked and created with them.
        if (backup.Repository is null) problems.Add("Backup:Repository is required when BinlogArchive:Enabled is true");

        // The master is read with the agent's admin user unless another is named: it needs REPLICATION SLAVE (the dump)
        // and BINLOG MONITOR (SHOW BINARY LOGS, SHOW BINLOG EVENTS) on every server that can become master.
        ServerCredentials? credentials = null;
        if (configuration["BinlogArchive:User"] is { Length: > 0 } user)
        {
            credentials = new ServerCredentials(user, configuration["BinlogArchive:PasswordFile"] ?? "");
            if (SecretFiles.ProblemWithFile(credentials.Secret) is { } problem) problems.Add($"BinlogArchive:PasswordFile: {problem}");
        }

        // The dump connection needs a server id no server of the cluster and no other archiver uses: the master ends an
        // older dump connection with the same id. Derived from the instance by default, far above usual server ids.
        var serverId = configuration.GetValue<uint?>("BinlogArchive:StreamServerId") ?? DefaultStreamServerId(cluster, instance);
        if (serverId == 0) problems.Add("BinlogArchive:StreamServerId cannot be 0");

        var interval = configuration.GetValue("BinlogArchive:UploadInterval", TimeSpan.FromSeconds(2));
        if (interval < TimeSpan.FromMilliseconds(100) || interval > TimeSpan.FromMinutes(5))
            problems.Add("BinlogArchive:UploadInterval must be between 100 ms and 5 minutes");

        var tool = configuration["BinlogArchive:Tool"] ?? "/usr/bin/mariadb-binlog";
        if (!Path.IsPathFullyQualified(tool) || !File.Exists(tool))
            problems.Add($"BinlogArchive:Tool '{tool}' is not an absolute path to an existing program");

        return new ArchiveSettings(true, credentials, serverId, interval, tool);
    }

    private static uint DefaultStreamServerId(string cluster, string instance)
    {
        // FNV-1a: stable across processes and .NET versions, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var c in $"{cluster}/{instance}") hash = (hash ^ c) * 16777619u;
        return 4_000_000_000u + hash % 200_000_000u;
    }
}
