using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Hosting;
using MySqlHa.Api.Security;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Rejoins;

namespace MySqlHa.Api.Backups;

public sealed record RejoinAccepted(Guid RejoinId, string Instance, string Progress);

/// <summary>A fenced former master brought back: its extra transactions extracted for review and undone, then made a replica.</summary>
public static class RejoinsApi
{
    public static IEndpointRouteBuilder MapRejoins(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/clusters/{id:guid}/instances/{name}/rejoin", StartAsync).WithTags("Backups").WithName("RejoinInstance")
            .RequireAuthorization(Roles.Admin)
            .WithSummary("Rejoins a fenced former master: the transactions it holds beyond the master are extracted into the repository (binlog events " +
                         "and readable SQL, recorded for review), undone by flashback, and it replicates from the master again. 202 with the rejoin; " +
                         "when flashback cannot undo them it is rebuilt from the newest suitable completed backup instead (its data set aside, then a clone), " +
                         "or ends needingAttention (the instance still fenced) when the cluster has no suitable backup.")
            .LeaderOnly();
        endpoints.MapGet("/api/clusters/{id:guid}/rejoins/{rejoinId:guid}", GetAsync).WithTags("Backups").WithName("GetRejoin")
            .WithSummary("One rejoin: its state, the extra GTIDs and the keys of their extracted events and SQL, its final position or reason.");
        return endpoints;
    }

    public static async Task<Results<Accepted<RejoinAccepted>, ProblemHttpResult>> StartAsync(Guid id, string name, AgentClient agents, BackupStorage storage,
        RejoinStarter starter, CancellationToken cancellation)
    {
        if (storage.Repository is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "A rejoin keeps what it undoes in the repository.",
                detail: BackupStorage.NotConfiguredReason);
        if (!agents.Configured)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Rejoins are run by the agents.", detail: AgentClient.NotConfiguredReason);
        var start = await starter.StartAsync(id, name, cancellation);
        if (start.RejoinId is not { } rejoinId)
            return TypedResults.Problem(statusCode: start.Status, title: "The rejoin cannot start.", detail: start.Refusal);
        var progress = $"/api/clusters/{id}/rejoins/{rejoinId}";
        return TypedResults.Accepted(progress, new RejoinAccepted(rejoinId, name, progress));
    }

    public static async Task<Results<Ok<RejoinRecord>, ProblemHttpResult>> GetAsync(Guid id, Guid rejoinId, IQuerySession session, CancellationToken cancellation)
    {
        var rejoin = await session.LoadAsync<RejoinRecord>(rejoinId, cancellation);
        return rejoin is not null && rejoin.ClusterId == id
            ? TypedResults.Ok(rejoin)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such rejoin.", detail: $"Cluster {id} has no rejoin {rejoinId}.");
    }
}
