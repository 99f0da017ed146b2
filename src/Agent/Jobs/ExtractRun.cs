using System.Text.Json;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One extraction: the server's binary logs scanned for the transactions the master lacks; those written to the
/// repository twice by mariadb-binlog from the shared position on, as events (the base64 BINLOG statements the mariadb
/// client re-applies byte for byte: mariadb-binlog writes raw binlog files only when reading from a server, and then
/// cannot start at a GTID of a local file) and as readable pseudo-SQL of their row changes; each artifact re-read to
/// check it holds exactly those transactions; then the summary. Any failure throws; the job's cleanup removes the folder.
/// </summary>
internal sealed class ExtractRun(AgentSettings settings, IBackupRepository repository, LocalBinlogs binlogs)
{
    /// <summary>The readable form: each row change as a commented INSERT/UPDATE/DELETE with every column's value.</summary>
    public static readonly string[] ReadableOptions = ["--verbose", "--base64-output=decode-rows"];

    public async Task<JobResult> RunAsync(ExtractDivergedRequest request, IReadOnlyList<Gtid> master, string workFolder, RunningJob job,
        CancellationToken cancellation)
    {
        Directory.CreateDirectory(workFolder);
        var state = await binlogs.ReadAsync(cancellation);
        var scan = await LocalBinlogs.ScanAsync(state.BinlogFiles, cancellation);
        var history = DivergedHistory.Find(scan, state.BinlogState, master);
        var extra = history.Extra.Select(t => t.Gtid.ToString()).ToList();
        var cluster = settings.Cluster;
        string? eventsKey = null, sqlKey = null;
        if (extra.Count > 0)
        {
            eventsKey = BackupKeys.DivergedEvents(cluster, request.ExtractionId);
            sqlKey = BackupKeys.DivergedSql(cluster, request.ExtractionId);
            foreach (var (key, options) in new[] { (eventsKey, Array.Empty<string>()), (sqlKey, ReadableOptions) })
            {
                var path = Path.Combine(workFolder, key[(key.LastIndexOf('/') + 1)..]);
                await LocalBinlogs.WriteAsync(state.BinlogFiles, history.SharedPosition, options, path, cancellation);
                // A transaction a privileged user committed since the scan would be in the file but not in the summary.
                var written = await BinlogScan.ParseAsync(File.ReadLinesAsync(path, cancellation));
                var found = written.Transactions.Select(t => t.Gtid.ToString()).ToList();
                if (!found.SequenceEqual(extra))
                    throw new JobFailedException($"{key} holds [{string.Join(",", found)}], not the extra transactions [{string.Join(",", extra)}]");
                await UploadAsync(key, path, job, cancellation);
            }
        }
        var summary = new DivergedTransactions(request.ExtractionId, Gtid.Format(master), extra, Gtid.Format(history.SharedPosition), extra.Count,
            history.Extra.FirstOrDefault()?.WrittenAt, history.Extra.LastOrDefault()?.WrittenAt, eventsKey, sqlKey,
            BackupKeys.DivergedSummary(cluster, request.ExtractionId));
        await using (var upload = await repository.BeginUploadAsync(summary.SummaryKey, cancellation))
        {
            await JsonSerializer.SerializeAsync(upload.Content, summary, JsonSerializerOptions.Web, cancellation);
            await upload.CommitAsync(cancellation);
        }
        Directory.Delete(workFolder, recursive: true);
        return new JobResult(null, null, summary);
    }

    private async Task UploadAsync(string key, string path, RunningJob job, CancellationToken cancellation)
    {
        await using var upload = await repository.BeginUploadAsync(key, cancellation);
        await using (var file = File.OpenRead(path))
            await file.CopyToAsync(upload.Content, cancellation);
        job.Add(new FileInfo(path).Length);
        await upload.CommitAsync(cancellation);
    }
}
