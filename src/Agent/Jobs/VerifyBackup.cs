using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// POST /jobs/verify-backup: checks the request and the artifact (it exists, its manifest agrees with the SHA-256
/// sent) and starts the job, which restores the backup into a scratch server of its own and checks it (see
/// <see cref="VerifyRun"/>). Jobs run one at a time, so one verification at a time; any refusal touches nothing.
/// </summary>
internal static class VerifyBackup
{
    public const string Kind = "verify-backup";

    /// <summary>Of the command id's hash: short, because the scratch server's socket path must fit a Unix socket's limit.</summary>
    private const int ScratchNameLength = 12;

    public static async Task<IResult> StartAsync(VerifyBackupRequest request, JobServices services)
    {
        var settings = services.Settings;
        if (settings.Backup.Unavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (ArtifactRequests.Problem(request.CommandId, request.ArtifactKey, request.Compression, request.Sha256) is { } problem)
            return JobAnswers.Invalid(problem);
        if (request.GtidExecuted is null) return JobAnswers.Invalid("gtidExecuted is required: the manifest's GTID set (empty for a server without one).");
        var repository = services.Repository!;
        var scratch = Path.Combine(settings.Verification.ScratchFolder, AgentJobs.FileNameOf(request.CommandId!)[..ScratchNameLength]);
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(null, scratch, EmptyDataDirectory: false),
            cancellation => ArtifactRequests.RefusalAsync(repository, request.ArtifactKey!, request.Sha256!, cancellation),
            (job, cancellation) => new VerifyRun(settings, repository).RunAsync(request, scratch, job, cancellation));
        return JobAnswers.Of(start);
    }
}
