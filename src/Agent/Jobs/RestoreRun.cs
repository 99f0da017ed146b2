using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One restore into the stopped server's empty data folder: the artifact streamed from the repository (its SHA-256
/// checked on the way) through the decompressor into mbstream, prepared, moved into the data folder with the server's
/// own option file, given the data folder's owner; then the server is started and its position read. Any failure
/// throws; the job's cleanup empties the data folder again and removes the staging folder.
/// </summary>
internal sealed class RestoreRun(AgentSettings settings, IBackupRepository repository, IServerProbe probe, ServerConnections connections)
{
    /// <summary>How often a starting server is asked whether it answers yet.</summary>
    private static readonly TimeSpan StartPoll = TimeSpan.FromMilliseconds(500);

    internal const string Chown = "/bin/chown";

    public async Task<JobResult> RunAsync(RestoreBackupRequest request, string staging, RunningJob job, CancellationToken cancellation)
    {
        var backup = settings.Backup;
        var dataDirectory = backup.DataDirectory!;
        var target = Path.Combine(staging, "backup");

        await ArtifactExtraction.ExtractAsync(backup, repository, request.ArtifactKey!, request.Compression, request.Sha256!, target, job, cancellation);

        var binlogInfo = Path.Combine(target, "xtrabackup_binlog_info");
        var point = File.Exists(binlogInfo) ? BackupPoint.FromBinlogInfo(await File.ReadAllTextAsync(binlogInfo, cancellation)) : null;
        await ToolProcess.RunAsync(backup.Tool, ["--prepare", $"--target-dir={target}"], cancellation);
        // --defaults-file first, as the tool requires; the data folder named again so that ours is the one written.
        await ToolProcess.RunAsync(backup.Tool,
            [$"--defaults-file={backup.DefaultsFile}", "--move-back", $"--datadir={dataDirectory}", $"--target-dir={target}"], cancellation);
        await ToolProcess.RunAsync(Chown, ["-R", $"--reference={dataDirectory}", "--", dataDirectory], cancellation);
        Directory.Delete(staging, recursive: true);

        var snapshot = await StartServerAsync(cancellation);
        if (point is { GtidExecuted.Length: > 0 } && !BackupPoint.SameGtids(snapshot.GtidExecuted, point.GtidExecuted))
        {
            // With no binary log of its own yet, a restored server knows its position only from what its data carries:
            // MariaDB's mysql.gtid_slave_pos, which a backup of a master does not carry (or carries from an older role),
            // MySQL's mysql.gtid_executed, which lags its binary log. The backup's point is set instead (the dialect
            // says how), as MariaDB's and Percona's guides do for a replica made from a backup, so that the server
            // replicates on from exactly where its data ends. A server with binary logs of its own is not corrected
            // but refused below.
            await SetPositionUnlessLoggedAsync(ReplicationDialect.ForServer(snapshot.Version), point.GtidExecuted, cancellation);
            snapshot = await ReadAsync(cancellation) ?? throw new JobFailedException($"mysqld at {settings.Server} stopped answering after its start");
            if (!BackupPoint.SameGtids(snapshot.GtidExecuted, point.GtidExecuted))
                throw new JobFailedException($"the restored server reports GTID position '{snapshot.GtidExecuted}', not the backup's '{point.GtidExecuted}': " +
                    "its binary log folder holds logs of an earlier server; empty it with the data folder before restoring");
        }
        return new JobResult(null, new RestoredPosition(snapshot.GtidExecuted, snapshot.BinaryLog?.File, snapshot.BinaryLog?.Position));
    }

    private async Task<ServerSnapshot> StartServerAsync(CancellationToken cancellation)
    {
        var start = settings.Backup.StartCommand;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(settings.Backup.StartTimeout);
        string? failure = null;
        try
        {
            await ToolProcess.RunAsync(start[0], start.Skip(1), deadline.Token);
            while (true)
            {
                var result = await probe.ReadAsync(settings.Server, settings.AdminCredentials, deadline.Token);
                if (result.Snapshot is { } snapshot) return snapshot;
                failure = result.Failure;
                await Task.Delay(StartPoll, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new JobFailedException(
                $"mysqld at {settings.Server} did not answer within {settings.Backup.StartTimeout} of {string.Join(' ', start)} (last: {failure ?? "the start command did not end"})");
        }
    }

    private async Task<ServerSnapshot?> ReadAsync(CancellationToken cancellation) =>
        (await probe.ReadAsync(settings.Server, settings.AdminCredentials, cancellation)).Snapshot;

    private async Task SetPositionUnlessLoggedAsync(ReplicationDialect dialect, string gtid, CancellationToken cancellation)
    {
        await using var connection = new MySqlConnection(connections.For(settings.Server, settings.AdminCredentials));
        await connection.OpenAsync(cancellation);
        await using (var logged = new MySqlCommand(dialect.LoggedGtidsQuery, connection))
            if (await logged.ExecuteScalarAsync(cancellation) is string { Length: > 0 })
                return;
        await using var command = new MySqlCommand(dialect.SetRestoredPosition, connection);
        command.Parameters.AddWithValue("@position", gtid);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
