using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One verification of a stored backup, all inside its scratch folder: the artifact extracted (its SHA-256 checked on
/// the way) and prepared, a scratch server started on it, the backup's recorded GTID set compared with the manifest's,
/// every user table checked, counted and checksummed; then the server shut down (killed if it will not stop) and the
/// folder deleted, whatever happened. The instance's own server, data folder and port are never touched.
/// </summary>
internal sealed class VerifyRun(AgentSettings settings, IBackupRepository repository)
{
    public async Task<JobResult> RunAsync(VerifyBackupRequest request, string scratch, RunningJob job, CancellationToken cancellation)
    {
        try
        {
            var data = Path.Combine(scratch, "data");
            await ArtifactExtraction.ExtractAsync(settings.Backup, repository, request.ArtifactKey!, request.Compression, request.Sha256!, data, job,
                cancellation);
            await ToolProcess.RunAsync(settings.Backup.Tool, ["--prepare", $"--target-dir={data}"], cancellation);
            var binlogInfo = Path.Combine(data, "xtrabackup_binlog_info");
            var recorded = File.Exists(binlogInfo) ? BackupPoint.FromBinlogInfo(await File.ReadAllTextAsync(binlogInfo, cancellation)).GtidExecuted : "";
            var problems = new List<string>();
            if (!BackupPoint.SameGtids(recorded, request.GtidExecuted ?? ""))
                problems.Add($"the backup recorded GTID set '{recorded}', its manifest says '{request.GtidExecuted}'");

            IReadOnlyList<TableVerification> tables;
            await using (var server = await ScratchServer.StartAsync(settings.Verification, settings.Backup.StartTimeout, scratch, data, cancellation))
            await using (var connection = new MySqlConnection(server.ConnectionString))
            {
                await connection.OpenAsync(cancellation);
                tables = await TableChecks.RunAsync(connection, cancellation);
            }
            problems.AddRange(tables.Where(t => !string.Equals(t.Check, "OK", StringComparison.OrdinalIgnoreCase))
                .Select(t => $"CHECK TABLE {t.Schema}.{t.Table} answered '{t.Check}'"));
            return new JobResult(null, null, Verification: new BackupVerificationReport(recorded, tables, problems));
        }
        finally
        {
            // The server is down by now (disposed above, or never started): nothing of the verification outlives it.
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
