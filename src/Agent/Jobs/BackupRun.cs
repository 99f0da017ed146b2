using System.Diagnostics;
using System.IO.Pipelines;
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
/// One full physical backup: mariadb-backup streams xbstream to its standard output, which zstd reads straight from
/// the tool's pipe and, into a repository folder, writes into the artifact's file itself (gzip compresses in the
/// agent, and a remote repository gets the stream through the agent). The stored bytes are hashed, counted and
/// test-decompressed as they are written (the raw size is what they decompress to); the artifact is committed only
/// when both tools succeeded and the bytes decompressed whole; then the backup's point is read from xtrabackup_info and
/// the manifest written beside it. Any failure throws; the job's cleanup removes what was stored.
/// </summary>
internal sealed class BackupRun(AgentSettings settings, IBackupRepository repository, ServerConnections connections, TimeProvider clock)
{
    /// <summary>
    /// The check may fall this far behind the stored bytes before their writer waits for it. With the Pipe's default
    /// (64 KiB) every 1 MiB chunk waited for the check to take it, so on a loaded host each chunk paid a scheduling
    /// delay of the check's thread and of zstd -t's; with room for a few chunks the check catches up in its own time,
    /// and must have taken everything before the artifact is committed.
    /// </summary>
    private static readonly PipeOptions CheckBuffer = new(pauseWriterThreshold: 16 * PipeCapacity.CopyBuffer,
        resumeWriterThreshold: 8 * PipeCapacity.CopyBuffer);

    public async Task<JobResult> RunAsync(TakeBackupRequest request, string workFolder, RunningJob job, CancellationToken cancellation)
    {
        var startedAt = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(workFolder);
        // Asked while the server is: the backup needs both before it starts, and neither waits for the other.
        var toolAnswer = ToolProcess.RunAsync(settings.Backup.Tool, ["--version"], cancellation);
        var (dataDirectory, serverVersion) = await ReadServerAsync(cancellation);
        var toolVersion = ToolVersion(await toolAnswer, serverVersion);
        var lsnFolder = Path.Combine(workFolder, "lsn");
        Directory.CreateDirectory(lsnFolder);
        var artifactKey = BackupKeys.Artifact(settings.Cluster, request.BackupId, request.Compression);

        CheckedArtifact artifact;
        await using (var upload = await repository.BeginUploadAsync(artifactKey, cancellation))
        {
            using var options = OptionFile.Write(Path.Combine(workFolder, "client.cnf"), settings.Server, settings.AdminCredentials.User,
                connections.PasswordOf(settings.AdminCredentials), dataDirectory);
            await using (var tool = ToolProcess.Start(settings.Backup.Tool,
            [
                $"--defaults-file={options.Path}", "--backup", "--stream=xbstream", $"--target-dir={lsnFolder}", $"--extra-lsndir={lsnFolder}",
            ]))
            {
                artifact = request.Compression == BackupCompression.Zstd && upload.LocalPath is { } file
                    ? await IntoFileAsync(tool, file, job, cancellation)
                    : await ThroughAgentAsync(tool, upload.Content, request.Compression, job, cancellation);
            }
            await upload.CommitAsync(cancellation);
        }

        var point = BackupPoint.FromInfo(await File.ReadAllTextAsync(Path.Combine(lsnFolder, "xtrabackup_info"), cancellation));

        var endedAt = clock.GetUtcNow();
        var manifest = new BackupManifest(request.BackupId, settings.Cluster, settings.Instance,
            ReplicationDialect.ForServer(serverVersion).Flavor.ToName(), artifactKey, request.Compression, point.GtidExecuted,
            point.BinlogFile, point.BinlogPosition, artifact.RawBytes, artifact.StoredBytes, artifact.Sha256, Path.GetFileName(settings.Backup.Tool),
            toolVersion, serverVersion, startedAt, endedAt, Math.Round(watch.Elapsed.TotalSeconds, 3), Verified: true);
        await using (var upload = await repository.BeginUploadAsync(BackupKeys.Manifest(settings.Cluster, request.BackupId), cancellation))
        {
            await JsonSerializer.SerializeAsync(upload.Content, manifest, JsonSerializerOptions.Web, cancellation);
            await upload.CommitAsync(cancellation);
        }
        return new JobResult(manifest, null);
    }

    /// <summary>
    /// zstd writes the artifact's file itself, as it does when the tool is run by hand, the tool's stream reaching it
    /// through the kernel, counted; the check follows the file (<see cref="GrowingArtifactCheck"/>): no byte of the
    /// backup is copied through the agent. A check that fails early fails the job once the pipeline has ended.
    /// </summary>
    private async Task<CheckedArtifact> IntoFileAsync(ToolProcess tool, string file, RunningJob job, CancellationToken cancellation)
    {
        var compressed = Compression.CompressToFileAsync(settings.Backup, tool, file, cancellation);
        var checking = GrowingArtifactCheck.RunAsync(file, compressed, job.Add, cancellation);
        await Task.WhenAll(compressed, checking);
        // Only a tool that says it finished made a backup: a stream that merely ended is not one.
        await tool.SucceedAsync(cancellation);
        var stored = await checking;
        return new CheckedArtifact(await compressed, stored.StoredBytes, stored.Sha256);
    }

    /// <summary>
    /// The compressed stream passes through the agent into <paramref name="stored"/> (gzip compresses in the agent; a
    /// remote repository has no file for zstd to write), hashed, counted and test-decompressed as it is written.
    /// </summary>
    private async Task<CheckedArtifact> ThroughAgentAsync(ToolProcess tool, Stream stored, BackupCompression compression, RunningJob job,
        CancellationToken cancellation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var check = new Pipe(CheckBuffer);
        var checking = CheckDecompressesAsync(check.Reader, compression, cancellation);
        long storedBytes;
        await using (var checkInput = check.Writer.AsStream())
        {
            var metered = new MeteredStream(new TeeStream(stored, checkInput), hash, job.Add);
            await Compression.CompressAsync(settings.Backup, tool, metered, compression, cancellation);
            // Only a tool that says it finished made a backup: a stream that merely ended is not one.
            await tool.SucceedAsync(cancellation);
            storedBytes = metered.Bytes;
        }
        return new CheckedArtifact(await checking, storedBytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>What the tool says of itself (its --version output), once it is known to be one that can back up this server.</summary>
    private string ToolVersion((string Output, string Errors) answer, string serverVersion)
    {
        var toolVersion = (answer.Output + answer.Errors).Trim();
        var problem = BackupToolVersion.Parse(toolVersion) is { } parsed
            ? parsed.ProblemWith(serverVersion)
            : $"'{settings.Backup.Tool} --version' answered '{toolVersion}', which names no MariaDB or MySQL server it was built for";
        return problem is null ? toolVersion : throw new JobFailedException(problem);
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

    /// <summary>
    /// Decompresses what the pipe carries to its end and answers the bytes it decompressed to; the pipe is closed either
    /// way, so that its writer never waits on a dead check.
    /// </summary>
    private async Task<long> CheckDecompressesAsync(PipeReader stored, BackupCompression compression, CancellationToken cancellation)
    {
        try
        {
            var rawBytes = await Compression.TestAsync(settings.Backup, stored.AsStream(leaveOpen: true), compression, cancellation);
            await stored.CompleteAsync();
            return rawBytes;
        }
        catch (Exception e)
        {
            await stored.CompleteAsync(e);
            throw;
        }
    }
}
