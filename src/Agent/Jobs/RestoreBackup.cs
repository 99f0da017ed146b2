using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// POST /jobs/restore: checks the request and the ground (the artifact exists, its manifest agrees with the SHA-256
/// sent, the data folder exists and is empty, mysqld is not running) and starts the job; any refusal touches nothing.
/// </summary>
internal static class RestoreBackup
{
    public const string Kind = "restore";

    public static async Task<IResult> StartAsync(RestoreBackupRequest request, JobServices services)
    {
        var backup = services.Settings.Backup;
        if (backup.RestoreUnavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (ArtifactRequests.Problem(request.CommandId, request.ArtifactKey, request.Compression, request.Sha256) is { } problem)
            return JobAnswers.Invalid(problem);
        var repository = services.Repository!;
        var dataDirectory = backup.DataDirectory!;
        // Beside the data folder, on its file system, so that --move-back renames the files instead of copying them.
        var staging = $"{dataDirectory}.restore-{AgentJobs.FileNameOf(request.CommandId!)[..16]}";
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(null, staging, EmptyDataDirectory: true),
            async cancellation =>
            {
                if (await ArtifactRequests.RefusalAsync(repository, request.ArtifactKey!, request.Sha256!, cancellation) is { } refusal)
                    return refusal;
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
}
