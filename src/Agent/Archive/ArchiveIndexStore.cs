using System.Text.Json;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// The archive's index in the repository, <c>{cluster}/binlogs/index.json</c>, read and written whole through an
/// upload that is committed: a reader sees the old index or the new one, never half of one. Only the agent holding the
/// archiver key writes it.
/// </summary>
internal sealed class ArchiveIndexStore(IBackupRepository repository, string cluster)
{
    public string Key { get; } = BackupKeys.BinlogFolder(cluster) + "index.json";

    public string FileKey(string server, string file) => BackupKeys.Checked($"{BackupKeys.BinlogFolder(cluster)}{server}/{file}");

    public async Task<BinlogArchiveIndex> ReadAsync(CancellationToken cancellation)
    {
        await using var stream = await repository.OpenReadAsync(Key, cancellation);
        if (stream is null) return BinlogArchiveIndex.Empty;
        return await JsonSerializer.DeserializeAsync<BinlogArchiveIndex>(stream, JsonSerializerOptions.Web, cancellation)
            ?? throw new InvalidDataException($"{Key} in {repository.Location} is empty");
    }

    public async Task WriteAsync(BinlogArchiveIndex index, CancellationToken cancellation)
    {
        await using var upload = await repository.BeginUploadAsync(Key, cancellation);
        await JsonSerializer.SerializeAsync(upload.Content, index, JsonSerializerOptions.Web, cancellation);
        await upload.CommitAsync(cancellation);
    }
}
