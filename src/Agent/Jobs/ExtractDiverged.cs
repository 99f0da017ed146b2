using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// POST /jobs/extract-diverged: checks the request, refuses an extraction id that already holds objects and a server
/// that takes writes (what it holds would change under the extraction), and starts the job.
/// </summary>
internal static class ExtractDiverged
{
    public const string Kind = "extract-diverged";

    public static async Task<IResult> StartAsync(ExtractDivergedRequest request, JobServices services)
    {
        if (services.Settings.Backup.Unavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (Problem(request) is { } problem) return JobAnswers.Invalid(problem);
        var repository = services.Repository!;
        var folder = BackupKeys.DivergedFolder(services.Settings.Cluster, request.ExtractionId);
        var work = Path.Combine(services.Jobs.WorkFolder, AgentJobs.FileNameOf(request.CommandId!));
        var binlogs = new LocalBinlogs(services.Settings, services.Connections);
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(folder, work, EmptyDataDirectory: false),
            async cancellation =>
            {
                await foreach (var stored in repository.ListAsync(folder, cancellation))
                    return new JobRefusal(StatusCodes.Status409Conflict, "The extraction exists already.",
                        $"The repository holds {stored.Key} for extraction {request.ExtractionId}; a new extraction needs a new id.");
                return await DivergedGround.RefusalAsync(binlogs, services.Settings.Server.ToString(), flashback: false, cancellation);
            },
            (job, cancellation) => new ExtractRun(services.Settings, repository, binlogs)
                .RunAsync(request, Gtid.ParseList(request.MasterGtidExecuted), work, job, cancellation));
        return JobAnswers.Of(start);
    }

    private static string? Problem(ExtractDivergedRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return "commandId is required: a retry must carry the same id.";
        if (request.ExtractionId == Guid.Empty) return "extractionId is required (a GUID the controller chose for this extraction).";
        if (request.MasterGtidExecuted is null) return "masterGtidExecuted is required: the current master's @@gtid_binlog_state.";
        try
        {
            Gtid.ParseList(request.MasterGtidExecuted);
        }
        catch (FormatException e)
        {
            return $"masterGtidExecuted: {e.Message}.";
        }
        return null;
    }
}

/// <summary>The state of the local server both diverged-master jobs require before they touch anything.</summary>
internal static class DivergedGround
{
    public static async Task<JobRefusal?> RefusalAsync(LocalBinlogs binlogs, string server, bool flashback, CancellationToken cancellation)
    {
        LocalServerState state;
        try
        {
            state = await binlogs.ReadAsync(cancellation);
        }
        catch (JobFailedException e)
        {
            return new JobRefusal(StatusCodes.Status409Conflict, "The server cannot be read.", e.Message);
        }
        if (!state.ReadOnly)
            return new JobRefusal(StatusCodes.Status409Conflict, "The server is writable.",
                $"mysqld at {server} has read_only off: fence it first, so that what it holds cannot change under the job.");
        if (!flashback) return null;
        if (state.RunningReplication.Count > 0)
            return new JobRefusal(StatusCodes.Status409Conflict, "Replication is running.",
                $"mysqld at {server} replicates ({string.Join(", ", state.RunningReplication)}): stop it, so that nothing applies under the flashback.");
        if (!string.Equals(state.BinlogFormat, "ROW", StringComparison.OrdinalIgnoreCase))
            return new JobRefusal(StatusCodes.Status409Conflict, "The binlog format is not ROW.",
                $"mysqld at {server} has binlog_format {state.BinlogFormat}; flashback needs every change as row events (ROW).");
        return null;
    }
}
