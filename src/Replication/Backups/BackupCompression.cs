using System.Text.Json.Serialization;

namespace MySqlHa.Replication.Backups;

/// <summary>How a backup's stream is compressed on its way into the repository.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BackupCompression>))]
public enum BackupCompression
{
    [JsonStringEnumMemberName("zstd")]
    Zstd,

    [JsonStringEnumMemberName("gzip")]
    Gzip,
}

public static class BackupCompressionNames
{
    public static string FileSuffix(this BackupCompression compression) => compression switch
    {
        BackupCompression.Zstd => ".zst",
        BackupCompression.Gzip => ".gz",
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    public static bool TryParse(string? text, out BackupCompression compression)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "zstd":
                compression = BackupCompression.Zstd;
                return true;
            case "gzip":
                compression = BackupCompression.Gzip;
                return true;
            default:
                compression = default;
                return false;
        }
    }
}
