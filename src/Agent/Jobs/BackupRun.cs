using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One full physical backup: mariadb-backup streams xbstream to its standard output, the agent compresses it on the
/// way into the repository while hashing and counting the stored bytes, commits the artifact only when the tool
/// succeeded, reads the backup's point from xtrabackup_info, re-reads the stored artifact to check its SHA-256 and that
/// it decompresses, and writes the manifest beside it. Any failure throws; the job's cleanup removes what was stored.
/// </summary>
internal sealed class BackupRun(AgentSettings settings, IBackupRepository repository, ServerConnections connections, TimeProvider clock)
{
    public async Task<JobResult> RunAsync(TakeBackupRequest request, string workFolder, RunningJob job, CancellationToken cancellation)
    {
        var startedAt = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(workFolder);
        var (dataDirectory, serverVersion) = await ReadServerAsync(cancellation);
        var lsnFolder = Path.Combine(workFolder, "lsn");
        Directory.CreateDirectory(lsnFolder);
        var artifactKey = BackupKeys.Artifact(settings.Cluster, request.BackupId, request.Compression);

        long rawBytes, storedBytes;
        string sha256;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            await using var upload = await repository.BeginUploadAsync(artifactKey, cancellation);
            var stored = new MeteredStream(upload.Content, hash, job.Add);
            using (var options = OptionFile.Write(Path.Combine(workFolder, "client.cnf"), settings.Server, settings.AdminCredentials.User,
                       connections.PasswordOf(settings.AdminCredentials), dataDirectory))
            {
                await using var tool = ToolProcess.Start(settings.Backup.Tool,
                [
                    $"--defaults-file={options.Path}", "--backup", "--stream=xbstream", $"--target-dir={lsnFolder}", $"--extra-lsndir={lsnFolder}",
                ]);
                rawBytes = await Compression.CompressAsync(settings.Backup, tool, stored, request.Compression, cancellation);
                // Only a tool that says it finished made a backup: a stream that merely ended is not one.
                await tool.SucceedAsync(cancellation);
            }
            storedBytes = stored.Bytes;
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            await upload.CommitAsync(cancellation);
        }

        var point = BackupPoint.FromInfo(await File.ReadAllTextAsync(Path.Combine(lsnFolder, "xtrabackup_info"), cancellation));
        var (versionOut, versionErr) = await ToolProcess.RunAsync(settings.Backup.Tool, ["--version"], cancellation);
        var toolVersion = (versionOut + versionErr).Trim();
        await VerifyAsync(artifactKey, request.Compression, sha256, storedBytes, cancellation);

        var endedAt = clock.GetUtcNow();
        var manifest = new BackupManifest(request.BackupId, settings.Cluster, settings.Instance,
            ReplicationDialect.ForServer(serverVersion).Flavor.ToName(), artifactKey, request.Compression, point.GtidExecuted,
            point.BinlogFile, point.BinlogPosition, rawBytes, storedBytes, sha256, Path.GetFileName(settings.Backup.Tool), toolVersion,
            serverVersion, startedAt, endedAt, Math.Round(watch.Elapsed.TotalSeconds, 3), Verified: true);
        await using (var upload = await repository.BeginUploadAsync(BackupKeys.Manifest(settings.Cluster, request.BackupId), cancellation))
        {
            await JsonSerializer.SerializeAsync(upload.Content, manifest, JsonSerializerOptions.Web, cancellation);
            await upload.CommitAsync(cancellation);
        }
        return new JobResult(manifest, null);
    }

    /// <summary>The data folder as mysqld itself reports it, and its version.</summary>
    private async Task<(string DataDirectory, string Version)> ReadServerAsync(CancellationToken cancellation)
    {
        try
        {
            await using var connection = new MySqlConnection(connections.For(settings.Server, settings.AdminCredentials));
            await connection.OpenAsync(cancellation);
            await using var command = new MySqlCommand("SELECT @@datadir", connection);
            var dataDirectory = (string)(await command.ExecuteScalarAsync(cancellation))!;
            return (dataDirectory, DatabaseFlavorNames.CleanServerVersion(connection.ServerVersion));
        }
        catch (MySqlException e)
        {
            throw new JobFailedException($"mysqld at {settings.Server} does not answer: {e.Message}");
        }
    }

    /// <summary>Reads the artifact back from the repository: the stored bytes must hash as written, and decompress whole.</summary>
    private async Task VerifyAsync(string key, BackupCompression compression, string sha256, long storedBytes, CancellationToken cancellation)
    {
        await using var stored = await repository.OpenReadAsync(key, cancellation)
            ?? throw new JobFailedException($"the artifact {key} is not in the repository after its commit");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var read = new MeteredStream(stored, hash);
        await Compression.TestAsync(settings.Backup, read, compression, cancellation);
        var reread = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (read.Bytes != storedBytes || reread != sha256)
            throw new JobFailedException($"the artifact {key} reads back as {read.Bytes} bytes hashing to {reread}, not the {storedBytes} bytes hashing to {sha256} written");
    }
}
