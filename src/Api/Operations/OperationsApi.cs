using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Api.Operations;

/// <summary>One step of an operation: its event, when, the positions it saw, and who it was done for (an API key <c>key:name</c>, a token <c>oidc:subject</c>, or <c>controller</c>).</summary>
public sealed record OperationStep(long Sequence, string Event, DateTimeOffset At, string? Actor, object Data);

public sealed record OperationView(Guid Id, string State, IReadOnlyList<OperationStep> Steps);

/// <summary>One operation of a cluster: its kind, when it began, its state, and its last event (the outcome once it ended).</summary>
public sealed record OperationSummary(Guid Id, string Kind, DateTimeOffset StartedAt, string State, string LastEvent, object? Last);

/// <summary>An operation's progress, step by step, read from its audit stream.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/operations/{id:guid}", GetAsync).WithTags("Operations").WithName("GetOperation")
            .WithSummary("Every step of the operation with its time and the positions it saw; state running, completed, needsAttention (it ended with something to mend), aborted or released.");
        endpoints.MapGet("/api/clusters/{id:guid}/operations", ListAsync).WithTags("Operations").WithName("ListOperations")
            .WithSummary("The cluster's switchovers and failovers, oldest first (?kind=switchover or failover), each with its state and last event.");
        return endpoints;
    }

    public static async Task<Results<Ok<List<OperationSummary>>, ProblemHttpResult>> ListAsync(Guid id, string? kind, IQuerySession session,
        CancellationToken cancellation)
    {
        var clusterEvents = await session.Events.FetchStreamAsync(id, token: cancellation);
        if (clusterEvents.Count == 0) return Clusters.ClusterProblems.NoSuchCluster(id);
        var summaries = new List<OperationSummary>();
        foreach (var started in clusterEvents.Select(e => e.Data).OfType<OperationStarted>().Where(o => kind is null || o.Kind == kind))
        {
            var events = await session.Events.FetchStreamAsync(started.OperationId, token: cancellation);
            // An operation whose saga never started has no stream of its own.
            var last = events.Count == 0 ? null : events[^1];
            summaries.Add(new OperationSummary(started.OperationId, started.Kind, started.StartedAt, last is null ? "not started" : State(last.Data),
                last?.Data.GetType().Name ?? "", last?.Data));
        }
        return TypedResults.Ok(summaries);
    }

    public static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(id, token: cancellation);
        if (events.Count == 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such operation.", detail: $"No operation has the id {id}.");
        return TypedResults.Ok(new OperationView(id, State(events[^1].Data),
            events.Select(e => new OperationStep(e.Version, e.Data.GetType().Name, e.Timestamp, e.UserName, e.Data)).ToList()));
    }

    /// <summary>An operation that completed with something left needing attention says so in its state: never a silent "completed".</summary>
    private static string State(object lastEvent) => lastEvent switch
    {
        SwitchoverCompleted { NeedsAttention.Count: > 0 } or FailoverCompleted { NeedsAttention.Count: > 0 } => "needsAttention",
        SwitchoverInterrupted or FailoverInterrupted => "needsAttention",
        SwitchoverCompleted or FailoverCompleted => "completed",
        SwitchoverAborted or FailoverAborted => "aborted",
        ReleasedFromCluster => "released",
        _ => "running",
    };
}
