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
    public string Key { get; } = BackupKeys.BinlogIndex(cluster);

    public string FileKey(string server, string file) => BackupKeys.Checked($"{BackupKeys.BinlogFolder(cluster)}{server}/{file}");

    public Task<BinlogArchiveIndex> ReadAsync(CancellationToken cancellation) => BinlogArchiveIndexes.ReadAsync(repository, cluster, cancellation);

    public async Task WriteAsync(BinlogArchiveIndex index, CancellationToken cancellation)
    {
        await using var upload = await repository.BeginUploadAsync(Key, cancellation);
        await JsonSerializer.SerializeAsync(upload.Content, index, JsonSerializerOptions.Web, cancellation);
        await upload.CommitAsync(cancellation);
    }
}
