using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>POST /jobs/replay-binlogs: checks the request (every key a binlog of the archive, present in the repository) and starts the job.</summary>
internal static class ReplayBinlogs
{
    public const string Kind = "replay-binlogs";

    public static async Task<IResult> StartAsync(ReplayBinlogsRequest request, JobServices services)
    {
        if (services.Settings.Backup.Unavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (Problem(request, services.Settings.Cluster) is { } problem) return JobAnswers.Invalid(problem);
        var repository = services.Repository!;
        var work = Path.Combine(services.Jobs.WorkFolder, AgentJobs.FileNameOf(request.CommandId!));
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(null, work, EmptyDataDirectory: false),
            async cancellation =>
            {
                foreach (var key in request.BinlogKeys!)
                    if (await repository.DescribeAsync(key, cancellation) is null)
                        return new JobRefusal(StatusCodes.Status404NotFound, "A binlog is missing from the archive.", $"The repository holds no {key}.");
                return null;
            },
            (job, cancellation) => new ReplayRun(services.Settings, repository, services.Probe, services.Connections).RunAsync(request, work, job, cancellation));
        return JobAnswers.Of(start);
    }

    private static string? Problem(ReplayBinlogsRequest request, string cluster)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return "commandId is required: a retry must carry the same id.";
        if (request.BinlogKeys is not { Count: > 0 } keys) return "binlogKeys must name the archived binlogs to replay, in order.";
        foreach (var key in keys)
        {
            if (BackupKeys.Problem(key) is { } keyProblem) return $"binlogKeys: {keyProblem}.";
            if (!key.StartsWith(BackupKeys.BinlogFolder(cluster), StringComparison.Ordinal) || key.EndsWith(".json", StringComparison.Ordinal))
                return $"binlogKeys: '{key}' is not a binlog of this cluster's archive ({BackupKeys.BinlogFolder(cluster)}…).";
        }
        if (request.StopGtid is { } stop)
        {
            try
            {
                ArchiveCoverage.Positions(stop);
            }
            catch (FormatException e)
            {
                return $"stopGtid: {e.Message}.";
            }
        }
        return null;
    }
}
