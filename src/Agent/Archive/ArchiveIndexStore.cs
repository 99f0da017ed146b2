using System.Text.Json;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// The archive's index in the repository, <c>{cluster}/binlogs/index.json</c>, read and written whole through an
/// upload that is committed: a reader sees the old index or the new one, never half of one. Only the agent holding the
/// archiver key writes it, and within that agent one change at a time: the uploads and a pruning each read, change
/// and write the whole index, and side by side would drop each other's changes. One instance per agent.
/// </summary>
internal sealed class ArchiveIndexStore(IBackupRepository repository, string cluster) : IDisposable
{
    private readonly SemaphoreSlim _changing = new(1, 1);

    public string FileKey(string server, string file) => BackupKeys.Checked($"{BackupKeys.BinlogFolder(cluster)}{server}/{file}");

    public Task<BinlogArchiveIndex> ReadAsync(CancellationToken cancellation) => BinlogArchiveIndexes.ReadAsync(repository, cluster, cancellation);

    /// <summary>
    /// Reads the index as the repository holds it, applies <paramref name="change"/> and writes what it answers
    /// (nothing when it answers null), before any other change of this agent begins.
    /// </summary>
    public async Task<T> ChangeAsync<T>(Func<BinlogArchiveIndex, (BinlogArchiveIndex? Changed, T Result)> change, CancellationToken cancellation)
    {
        await _changing.WaitAsync(cancellation);
        try
        {
            var (changed, result) = change(await ReadAsync(cancellation));
            if (changed is not null) await WriteAsync(changed, cancellation);
            return result;
        }
        finally
        {
            _changing.Release();
        }
    }

    private async Task WriteAsync(BinlogArchiveIndex index, CancellationToken cancellation)
    {
        await using var upload = await repository.BeginUploadAsync(BackupKeys.BinlogIndex(cluster), cancellation);
        await JsonSerializer.SerializeAsync(upload.Content, index, JsonSerializerOptions.Web, cancellation);
        await upload.CommitAsync(cancellation);
    }

    public void Dispose() => _changing.Dispose();
}
