using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MySqlHa.Api.Operations;

public sealed record OperationStep(long Sequence, string Event, DateTimeOffset At, object Data);

public sealed record OperationView(Guid Id, string State, IReadOnlyList<OperationStep> Steps);

/// <summary>An operation's progress, step by step, read from its audit stream.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/operations/{id:guid}", GetAsync).WithTags("Operations").WithName("GetOperation")
            .WithSummary("Every step of the operation with its time and the positions it saw; state running, completed or aborted.");
        return endpoints;
    }

    public static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(id, token: cancellation);
        if (events.Count == 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such operation.", detail: $"No operation has the id {id}.");
        var last = events[^1].EventTypeName;
        var state = last switch
        {
            "switchover_completed" or "failover_completed" => "completed",
            "switchover_aborted" or "failover_aborted" => "aborted",
            _ => "running",
        };
        return TypedResults.Ok(new OperationView(id, state,
            events.Select(e => new OperationStep(e.Version, e.Data.GetType().Name, e.Timestamp, e.Data)).ToList()));
    }
}
