using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>POST /jobs/backup: checks the request, refuses a backup id that already holds objects, and starts the job.</summary>
internal static class TakeBackup
{
    public const string Kind = "backup";

    public static async Task<IResult> StartAsync(TakeBackupRequest request, JobServices services)
    {
        if (services.Settings.Backup.Unavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (Problem(request) is { } problem) return JobAnswers.Invalid(problem);
        var repository = services.Repository!;
        var folder = BackupKeys.BackupFolder(services.Settings.Cluster, request.BackupId);
        var work = Path.Combine(services.Jobs.WorkFolder, AgentJobs.FileNameOf(request.CommandId!));
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(folder, work, EmptyDataDirectory: false),
            async cancellation =>
            {
                // A backup id names one backup: a second job for it would overwrite, then on failure delete, the first's.
                await foreach (var stored in repository.ListAsync(folder, cancellation))
                    return new JobRefusal(StatusCodes.Status409Conflict, "The backup exists already.",
                        $"The repository holds {stored.Key} for backup {request.BackupId}; a new backup needs a new id.");
                return null;
            },
            (job, cancellation) => new BackupRun(services.Settings, repository, services.Connections, services.Clock)
                .RunAsync(request, work, job, cancellation));
        return JobAnswers.Of(start);
    }

    private static string? Problem(TakeBackupRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return "commandId is required: a retry must carry the same id.";
        if (request.BackupId == Guid.Empty) return "backupId is required (a GUID the controller chose for this backup).";
        if (!Enum.IsDefined(request.Compression)) return "compression must be zstd or gzip.";
        return null;
    }
}
