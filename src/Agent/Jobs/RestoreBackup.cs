using System.Text.Json;
using System.Text.RegularExpressions;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// POST /jobs/restore: checks the request and the ground (the artifact exists, its manifest agrees with the SHA-256
/// sent, the data folder exists and is empty, mysqld is not running) and starts the job; any refusal touches nothing.
/// </summary>
internal static partial class RestoreBackup
{
    public const string Kind = "restore";

    public static async Task<IResult> StartAsync(RestoreBackupRequest request, JobServices services)
    {
        var backup = services.Settings.Backup;
        if (backup.RestoreUnavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (Problem(request) is { } problem) return JobAnswers.Invalid(problem);
        var repository = services.Repository!;
        var dataDirectory = backup.DataDirectory!;
        // Beside the data folder, on its file system, so that --move-back renames the files instead of copying them.
        var staging = $"{dataDirectory}.restore-{AgentJobs.FileNameOf(request.CommandId!)[..16]}";
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(null, staging, EmptyDataDirectory: true),
            async cancellation =>
            {
                if (await repository.DescribeAsync(request.ArtifactKey!, cancellation) is null)
                    return new JobRefusal(StatusCodes.Status404NotFound, "No such backup artifact.", $"The repository holds no {request.ArtifactKey}.");
                if (await ManifestBesideAsync(repository, request.ArtifactKey!, cancellation) is { } manifest
                    && !string.Equals(manifest.Sha256, request.Sha256, StringComparison.OrdinalIgnoreCase))
                    return new JobRefusal(StatusCodes.Status409Conflict, "The SHA-256 is not the backup's.",
                        $"The manifest of {request.ArtifactKey} gives sha256 {manifest.Sha256}, not {request.Sha256}.");
                if (!Directory.Exists(dataDirectory))
                    return new JobRefusal(StatusCodes.Status409Conflict, "The data folder does not exist.",
                        $"{dataDirectory} does not exist: create it empty, owned by the server's user, so that the restored files get its owner.");
                if (Directory.EnumerateFileSystemEntries(dataDirectory).Any())
                    return new JobRefusal(StatusCodes.Status409Conflict, "The data folder is not empty.",
                        $"{dataDirectory} holds files; a restore goes into an empty data folder only, and overwrites nothing.");
                if (await JobCleanup.ListensAsync(services.Settings.Server, cancellation))
                    return new JobRefusal(StatusCodes.Status409Conflict, "mysqld is running.",
                        $"Something listens on {services.Settings.Server}; stop mysqld before restoring into it.");
                return null;
            },
            (job, cancellation) => new RestoreRun(services.Settings, repository, services.Probe, services.Connections)
                .RunAsync(request, staging, job, cancellation));
        return JobAnswers.Of(start);
    }

    private static string? Problem(RestoreBackupRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return "commandId is required: a retry must carry the same id.";
        if (!Enum.IsDefined(request.Compression)) return "compression must be zstd or gzip.";
        if (string.IsNullOrWhiteSpace(request.ArtifactKey)) return "artifactKey is required.";
        if (BackupKeys.Problem(request.ArtifactKey) is { } keyProblem) return $"artifactKey: {keyProblem}.";
        var suffix = "backup.xbstream" + request.Compression.FileSuffix();
        if (!request.ArtifactKey.EndsWith("/" + suffix, StringComparison.Ordinal))
            return $"artifactKey '{request.ArtifactKey}' does not name a backup stored with {request.Compression.ToString().ToLowerInvariant()} (…/{suffix}).";
        if (request.Sha256 is null || !Sha256Text().IsMatch(request.Sha256)) return "sha256 must be the artifact's SHA-256 as 64 hexadecimal digits.";
        return null;
    }

    /// <summary>The manifest written beside the artifact, when there is one (a backup restored by hand may have none).</summary>
    private static async Task<BackupManifest?> ManifestBesideAsync(IBackupRepository repository, string artifactKey, CancellationToken cancellation)
    {
        await using var stream = await repository.OpenReadAsync(artifactKey[..(artifactKey.LastIndexOf('/') + 1)] + "manifest.json", cancellation);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<BackupManifest>(stream, JsonSerializerOptions.Web, cancellation);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Text();
}
