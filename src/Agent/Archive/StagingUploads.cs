using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// Moves what mariadb-binlog wrote in the staging folder into the repository, for one master: every file older than
/// the newest is finished (the master rotated past it) and is uploaded whole once, then removed locally; the newest is
/// uploaded again whenever it grew, up to its last whole event, replacing the previous copy, so the archive trails the
/// master by one upload interval. The index is changed after each upload, through the agent's one index store, so
/// that a pruning between two uploads is kept.
/// </summary>
internal sealed partial class StagingUploads(
    IBackupRepository repository, ArchiveIndexStore indexStore, string stagingFolder, string server, BinlogArchiveIndex index,
    TimeProvider clock, ILogger logger)
{
    private readonly Dictionary<string, BinlogScan> _scans = [];
    private readonly Dictionary<string, long> _uploaded = [];

    /// <summary>The entries uploaded since the index was last written: they replace the files' entries at the next write.</summary>
    private readonly List<ArchivedBinlogFile> _pending = [];

    /// <summary>
    /// The growing file is copied whole each time (the repository replaces objects, it does not append), so a large
    /// one is copied less often: after a copy that took t, the next waits 4t, which keeps the copying of one file under
    /// a fifth of the time, at the price of a longer lag while the file is large.
    /// </summary>
    private const int PartialUploadPause = 4;

    private DateTimeOffset _partialAllowedAt = DateTimeOffset.MinValue;

    /// <summary>The index as this session last read or wrote it.</summary>
    private BinlogArchiveIndex _index = index;

    /// <summary>Uploads what changed since the last call; <paramref name="final"/> when the stream has stopped, so nothing waits.</summary>
    public async Task SyncAsync(bool final, CancellationToken cancellation)
    {
        if (!Directory.Exists(stagingFolder)) return;
        var names = Directory.EnumerateFiles(stagingFolder).Select(Path.GetFileName).OfType<string>()
            .OrderBy(name => name, StringComparer.Ordinal).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var path = Path.Combine(stagingFolder, name);
            var finished = i < names.Count - 1;
            var scan = _scans.TryGetValue(name, out var known) ? known : _scans[name] = new BinlogScan();
            scan.Advance(path);
            var due = finished || final || clock.GetUtcNow() >= _partialAllowedAt;
            if (due && (scan.Complete > _uploaded.GetValueOrDefault(name) || (finished && !IsRecordedFinished(name))))
                await UploadAsync(name, path, scan, finished, cancellation);
            if (finished)
            {
                // Finished and archived whole: the staging folder keeps only the file being written.
                File.Delete(path);
                _scans.Remove(name);
                _uploaded.Remove(name);
            }
        }
        if (_pending.Count > 0)
        {
            _index = await indexStore.ChangeAsync(current =>
            {
                var changed = current with
                {
                    Files = [.. current.Files.Where(f => !_pending.Any(p => p.Server == f.Server && p.File == f.File)), .. _pending],
                    UpdatedAt = clock.GetUtcNow(),
                };
                return (changed, changed);
            }, cancellation);
            _pending.Clear();
        }
    }

    private bool IsRecordedFinished(string name) => _index.Files.Any(f => f.Server == server && f.File == name && f.Finished);

    private async Task UploadAsync(string name, string path, BinlogScan scan, bool finished, CancellationToken cancellation)
    {
        var key = indexStore.FileKey(server, name);
        var started = clock.GetTimestamp();
        await using (var upload = await repository.BeginUploadAsync(key, cancellation))
        {
            await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // Only the whole events: the bytes after them are an event mariadb-binlog is still writing.
            await CopyAsync(source, upload.Content, scan.Complete, cancellation);
            await upload.CommitAsync(cancellation);
        }
        if (!finished) _partialAllowedAt = clock.GetUtcNow() + clock.GetElapsedTime(started) * PartialUploadPause;
        var uploadedBefore = _uploaded.GetValueOrDefault(name);
        _uploaded[name] = scan.Complete;
        ArchiveMetrics.UploadedBytes.Inc(scan.Complete);
        ArchiveMetrics.Uploads.WithLabels(finished ? "finished" : "partial").Inc();
        var entry = new ArchivedBinlogFile(server, name, key, scan.StartGtids ?? "", scan.LastGtids, scan.FirstEventAt, scan.LastEventAt,
            scan.Complete, finished);
        _pending.RemoveAll(f => f.File == name);
        _pending.Add(entry);
        if (finished) LogFinished(key, scan.Complete, scan.LastGtids);
        else if (uploadedBefore == 0) LogStarted(key);
    }

    private static async Task CopyAsync(Stream source, Stream target, long length, CancellationToken cancellation)
    {
        var buffer = new byte[1 << 20];
        for (var left = length; left > 0;)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellation);
            if (read == 0) throw new EndOfStreamException("the staged binlog file shrank while it was uploaded");
            await target.WriteAsync(buffer.AsMemory(0, read), cancellation);
            left -= read;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archived finished binlog {Key} ({Size} bytes, last GTIDs {LastGtids})")]
    private partial void LogFinished(string key, long size, string lastGtids);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archiving binlog {Key} as it is written")]
    private partial void LogStarted(string key);
}
