using MySqlHa.Workflows.Actors;
using MySqlHa.Api.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Operations;
using FailoverSaga = MySqlHa.Workflows.Failover.Failover;
using SwitchoverSaga = MySqlHa.Workflows.Switchover.Switchover;

namespace MySqlHa.Api.Operations;

public sealed record ReleaseOperationRequest(string? Reason);

public sealed record OperationReleasedView(Guid OperationId, Guid ClusterId, string Reason, DateTimeOffset ReleasedAt);

/// <summary>The way out of an operation that holds its cluster and will not end by itself.</summary>
public static class OperationReleaseApi
{
    public static IEndpointRouteBuilder MapOperationRelease(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/operations/{id:guid}/release", ReleaseAsync).WithTags("Operations").WithName("ReleaseOperation").RequireAuthorization(Roles.Admin)
            .WithSummary("Release the cluster from an operation that does not end (a reason is required): the release is recorded on the cluster and the operation, the operation's saga is deleted so that nothing it still had to do runs later, and traffic is no longer held (the leader publishes it within a monitor round). The servers are left as they are: read the operation's steps and the cluster's instances before acting on them.");
        return endpoints;
    }

    public static async Task<Results<Ok<OperationReleasedView>, ProblemHttpResult, ValidationProblem>> ReleaseAsync(Guid id, ReleaseOperationRequest? request,
        IDocumentStore store, ClusterStream clusters, TimeProvider clock, CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(request?.Reason))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Say why the operation is released; it is recorded."] });
        await using var session = store.ActorSession();
        var started = (await session.Events.FetchStreamAsync(id, token: cancellation)).FirstOrDefault()?.Data;
        if (started is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such operation.", detail: $"No operation has the id {id}.");
        var holder = await session.Query<Cluster>().Where(c => c.RunningOperation == id).FirstOrDefaultAsync(cancellation);
        if (holder is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The operation holds no cluster.",
                detail: $"Operation {id} has ended or was released already; see /api/operations/{id}.");

        var released = new OperationReleased(holder.Id, id, request.Reason.Trim(), clock.GetUtcNow());
        if (!await clusters.ReleaseOperationAsync(released, cancellation))
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The operation holds no cluster.",
                detail: $"Operation {id} ended by itself meanwhile; see /api/operations/{id}.");
        // The saga goes with the release: a step still scheduled (or retried) then finds no operation and does nothing.
        session.Delete<SwitchoverSaga>(id);
        session.Delete<FailoverSaga>(id);
        session.Events.Append(id, new ReleasedFromCluster(id, holder.Id, released.Reason, released.ReleasedAt));
        await session.SaveChangesAsync(cancellation);
        // The leader's monitor publishes the released topology on its next round (any Api process may take this call).
        return TypedResults.Ok(new OperationReleasedView(id, holder.Id, released.Reason, released.ReleasedAt));
    }
}
