using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Hosting;

namespace MySqlHa.Api.Operations;

/// <summary>One step of an operation: its event, when, the positions it saw, and who it was done for (an API key <c>key:name</c>, a token <c>oidc:subject</c>, or <c>controller</c>).</summary>
public sealed record OperationStep(long Sequence, string Event, DateTimeOffset At, string? Actor, object Data);

public sealed record OperationView(Guid Id, string State, IReadOnlyList<OperationStep> Steps);

/// <summary>An operation's progress, step by step, read from its audit stream.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/operations/{id:guid}", GetAsync).WithTags("Operations").WithName("GetOperation")
            .WithSummary("Every step of the operation with its time and the positions it saw; state running, completed, needsAttention (it ended with something to mend), aborted or released.");
        endpoints.MapGet("/api/clusters/{id:guid}/operations", ListAsync).WithTags("Operations").WithName("ListOperations")
            .WithSummary("The cluster's switchovers and failovers, oldest first (?kind=switchover or failover, ?state=running, completed, needsAttention, aborted or released), each with its state and last event.");
        endpoints.MapGet("/api/operations", ListAllAsync).WithTags("Operations").WithName("ListAllOperations")
            .WithSummary("Switchovers and failovers of every cluster, oldest first; ?cluster=id, ?kind=switchover or failover, ?state=running, completed, needsAttention, aborted or released.");
        return endpoints;
    }

    public static async Task<Results<Ok<List<OperationSummary>>, ValidationProblem, ProblemHttpResult>> ListAsync(Guid id, string? kind, string? state,
        IQuerySession session, CancellationToken cancellation)
    {
        var errors = OperationSummaries.Validate(kind, state);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The operations query is not valid.");
        if (await session.Events.FetchStreamStateAsync(id, cancellation) is null) return Clusters.ClusterProblems.NoSuchCluster(id);
        return TypedResults.Ok(await OperationSummaries.ListAsync(session, new OperationFilter(id, kind, state), cancellation));
    }

    public static async Task<Results<Ok<List<OperationSummary>>, ValidationProblem>> ListAllAsync(string? cluster, string? kind, string? state,
        IQuerySession session, CancellationToken cancellation)
    {
        var errors = OperationSummaries.Validate(kind, state);
        var clusterId = QueryParameters.ParseId(cluster, "cluster", errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The operations query is not valid.");
        return TypedResults.Ok(await OperationSummaries.ListAsync(session, new OperationFilter(clusterId, kind, state), cancellation));
    }

    public static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(id, token: cancellation);
        if (events.Count == 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such operation.", detail: $"No operation has the id {id}.");
        return TypedResults.Ok(new OperationView(id, OperationStates.Of(events[^1].Data),
            events.Select(e => new OperationStep(e.Version, e.Data.GetType().Name, e.Timestamp, e.UserName, e.Data)).ToList()));
    }
}
