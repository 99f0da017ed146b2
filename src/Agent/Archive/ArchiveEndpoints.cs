using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Agent.Commands;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.Security;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

internal static class ArchiveEndpoints
{
    public static IEndpointRouteBuilder MapBinlogArchive(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/archive", DescribeAsync).AddEndpointFilter<TokenAuthentication>()
            .WithSummary("The binlog archive: whether this agent streams it and from which master, the GTIDs it covers, its gaps, its last error.");
        endpoints.MapPost("/archive/prune", PruneAsync).AddEndpointFilter<TokenAuthentication>().AddEndpointFilter<FencingGuard>()
            .WithSummary("Deletes the archived binlog files wholly at or before the horizon (the oldest kept backup's GTID position) from the index and the repository; " +
                         "only the agent that archives answers, others refuse with 409. Idempotent by request id.");
        return endpoints;
    }

    private static async Task<Ok<BinlogArchiveStatus>> DescribeAsync(AgentSettings settings, ArchiveState state, IServiceProvider services,
        CancellationToken cancellation) =>
        TypedResults.Ok(await ArchiveReport.DescribeAsync(settings, state, services.GetService<IBackupRepository>(), cancellation));

    private static async Task<Results<Ok<ArchivePruned>, ProblemHttpResult>> PruneAsync(PruneArchiveRequest request, AgentSettings settings,
        ArchiveState state, IServiceProvider services, CancellationToken cancellation)
    {
        if (request.RequestId == Guid.Empty || string.IsNullOrWhiteSpace(request.HorizonGtids))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "requestId and horizonGtids are required.");
        try
        {
            ArchiveCoverage.Positions(request.HorizonGtids);
        }
        catch (FormatException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "horizonGtids is not a GTID position.", detail: e.Message);
        }
        var hold = state.Hold;
        // Only the holder writes the index: a second writer would drop the archiver's entries, or bring pruned ones back.
        if (hold.IsCancellationRequested || services.GetService<ArchivePruner>() is not { } pruner) return NotTheArchiver(settings);
        try
        {
            return TypedResults.Ok(await pruner.PruneAsync(request, hold, cancellation));
        }
        catch (OperationCanceledException) when (hold.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return NotTheArchiver(settings);
        }
    }

    private static ProblemHttpResult NotTheArchiver(AgentSettings settings) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This agent does not archive the binlogs.",
            detail: $"{settings.Instance}'s agent does not hold the binlog archiver key of cluster {settings.Cluster}: only the archiving agent " +
                    "writes the archive's index, so only it prunes. Ask the agent the key names.");
}
