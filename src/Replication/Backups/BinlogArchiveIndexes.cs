using System.Text.Json;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Replication.Backups;

/// <summary>Reads the binlog archive's index from the repository: the archiving agent keeps it, restores plan from it.</summary>
public static class BinlogArchiveIndexes
{
    /// <summary>The index, or an empty one when nothing was archived yet.</summary>
    public static async Task<BinlogArchiveIndex> ReadAsync(IBackupRepository repository, string cluster, CancellationToken cancellation)
    {
        var key = BackupKeys.BinlogIndex(cluster);
        await using var stream = await repository.OpenReadAsync(key, cancellation);
        if (stream is null) return BinlogArchiveIndex.Empty;
        return await JsonSerializer.DeserializeAsync<BinlogArchiveIndex>(stream, JsonSerializerOptions.Web, cancellation)
            ?? throw new InvalidDataException($"{key} in {repository.Location} is empty");
    }
}
