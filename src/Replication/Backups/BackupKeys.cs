using System.Text.RegularExpressions;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// The repository's layout, one place for the agents and the controller:
/// <c>{cluster}/backups/{backupId}/backup.xbstream.{zst|gz}</c> and <c>manifest.json</c> beside it, and the binlog
/// archive under <c>{cluster}/binlogs/</c>, a diverged master's extracted transactions under <c>{cluster}/diverged/{extractionId}/</c>. Keys are checked before any store sees them.
/// </summary>
public static partial class BackupKeys
{
    public static string BackupFolder(string cluster, Guid backupId) => $"{Safe(cluster)}/backups/{backupId:D}/";

    public static string Artifact(string cluster, Guid backupId, BackupCompression compression) =>
        BackupFolder(cluster, backupId) + "backup.xbstream" + compression.FileSuffix();

    public static string Manifest(string cluster, Guid backupId) => BackupFolder(cluster, backupId) + "manifest.json";

    public static string BinlogFolder(string cluster) => $"{Safe(cluster)}/binlogs/";

    /// <summary>The binlog archive's index (see BinlogArchiveIndex), written whole by the archiving agent.</summary>
    public static string BinlogIndex(string cluster) => BinlogFolder(cluster) + "index.json";

    /// <summary>Where the transactions a diverged old master held beyond the new master are kept for review.</summary>
    public static string DivergedFolder(string cluster, Guid extractionId) => $"{Safe(cluster)}/diverged/{extractionId:D}/";

    public static string DivergedEvents(string cluster, Guid extractionId) => DivergedFolder(cluster, extractionId) + "events.binlog.sql";

    public static string DivergedSql(string cluster, Guid extractionId) => DivergedFolder(cluster, extractionId) + "transactions.sql";

    public static string DivergedSummary(string cluster, Guid extractionId) => DivergedFolder(cluster, extractionId) + "summary.json";

    /// <summary>The problem with <paramref name="key"/> as a repository key, or null when it is one.</summary>
    public static string? Problem(string key)
    {
        if (string.IsNullOrEmpty(key)) return "a key cannot be empty";
        if (!KeyCharacters().IsMatch(key)) return $"'{key}' holds characters a key cannot (letters, digits, '.', '_', '-' and '/' only)";
        // A prefix may end with '/'; otherwise every part between slashes is a name.
        var parts = (key.EndsWith('/') ? key[..^1] : key).Split('/');
        if (parts.Any(part => part is "" or "." or "..")) return $"'{key}' is not a relative path of named parts";
        return null;
    }

    /// <summary>Throws when <paramref name="key"/> is not a repository key.</summary>
    public static string Checked(string key) => Problem(key) is { } problem ? throw new ArgumentException(problem, nameof(key)) : key;

    private static string Safe(string name) =>
        Problem(name) is null && !name.Contains('/') ? name : throw new ArgumentException($"'{name}' cannot name a folder of the repository", nameof(name));

    [GeneratedRegex("^[A-Za-z0-9._/-]+$")]
    private static partial Regex KeyCharacters();
}
