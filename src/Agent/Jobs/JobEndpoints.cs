using MySqlHa.Agent.Commands;
using MySqlHa.Agent.Security;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Backups, restores and the diverged-master jobs as jobs: POST starts one (or answers the job already started under that command id), GET
/// follows it, DELETE cancels it. Starting and cancelling are authenticated and fenced as commands are; following is
/// authenticated only, so that a controller that lost its leadership can still see what it started.
/// </summary>
internal static class JobEndpoints
{
    /// <summary>The longest one request may be held waiting for a job's end: a follower asks again after it.</summary>
    private const int MaxWaitSeconds = 30;

    public static IEndpointRouteBuilder MapAgentJobs(this IEndpointRouteBuilder endpoints)
    {
        var jobs = endpoints.MapGroup("/jobs").AddEndpointFilter<TokenAuthentication>();
        jobs.MapGet("/{commandId}", async (string commandId, int? waitSeconds, AgentJobs all, CancellationToken cancellation) =>
            await all.FollowAsync(commandId, TimeSpan.FromSeconds(Math.Clamp(waitSeconds ?? 0, 0, MaxWaitSeconds)), cancellation) is { } job
                ? JobAnswers.Of(job)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job.", detail: $"No job was started under command id '{commandId}'."))
            .WithSummary("A backup or restore job as the agent knows it: running (202), or completed or failed (200); with waitSeconds, answered when a running job ends or after that long.");

        var fenced = jobs.MapGroup("").AddEndpointFilter<FencingGuard>();
        fenced.MapPost("/backup", TakeBackup.StartAsync)
            .WithSummary("Starts a full physical backup of the local server into the repository, or answers the job started under that command id.");
        fenced.MapPost("/restore", RestoreBackup.StartAsync)
            .WithSummary("Restores a backup into the local server (stopped, data folder empty) and starts it, or answers the job started under that command id.");
        fenced.MapPost("/verify-backup", VerifyBackup.StartAsync)
            .WithSummary("Restores a backup into a scratch server of its own (no network, its own folder) and checks it: the GTID set, and every user table's CHECK TABLE, rows and checksum.");
        fenced.MapPost("/replay-binlogs", ReplayBinlogs.StartAsync)
            .WithSummary("Replays archived binlogs into the local server (a restored one) from its own GTID position up to a GTID or a time, or answers the job started under that command id.");
        fenced.MapPost("/extract-diverged", ExtractDiverged.StartAsync)
            .WithSummary("Extracts the transactions the local (read-only) server holds beyond the master's GTID state into the repository, as events and readable SQL.");
        fenced.MapPost("/flashback", Flashback.StartAsync)
            .WithSummary("Undoes an extraction's transactions on the local server by flashback and sets its GTID state to the master's history.");
        fenced.MapPost("/set-aside", SetAside.StartAsync)
            .WithSummary("Shuts the local (fenced) server down and moves its data and binary logs aside into <datadir>.diverged-<UTC time>, leaving its folders empty for a restore.");
        fenced.MapDelete("/{commandId}", (string commandId, AgentJobs all) =>
            all.Cancel(commandId) ? JobAnswers.Of(all.Find(commandId)!)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job is running.", detail: $"No job runs under command id '{commandId}'."))
            .WithSummary("Cancels a running job: it fails, and removes what it had written.");
        return endpoints;
    }
}
