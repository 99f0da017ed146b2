using MySqlHa.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Hosting;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Lifecycle;

namespace MySqlHa.Api.Clusters;

public sealed record RegisterInstanceRequest(InstanceRole? Role);

/// <summary>The instance after the operation, and the event that records it.</summary>
public sealed record LifecycleResponse(ClusterInstance Instance, long ClusterVersion, string Event, object Recorded);

/// <summary>LAIN's paired operations on an instance: register/unregister, activate/detach, pause/resume.</summary>
public static class InstancesApi
{
    public static IEndpointRouteBuilder MapInstances(this IEndpointRouteBuilder endpoints)
    {
        var instances = endpoints.MapGroup("/api/clusters/{id:guid}/instances/{instance}").WithTags("Instances").RequireAuthorization(Roles.Operator);
        instances.MapPost("/register", (Guid id, string instance, RegisterInstanceRequest request, LifecycleRunner runner, CancellationToken cancellation) =>
                request.Role is { } role
                    ? RunAsync(id, new RegisterInstance(instance, role), runner, cancellation)
                    : Task.FromResult<Results<Ok<LifecycleResponse>, ProblemHttpResult, ValidationProblem>>(TypedResults.ValidationProblem(
                        new Dictionary<string, string[]> { ["role"] = ["A role is required: master, standby or replica."] })))
            .WithName("RegisterInstance").WithSummary("Give an instance a role; changes only our records.");
        MapOperation(instances, "unregister", instance => new UnregisterInstance(instance), "UnregisterInstance",
            "Remove an instance's role; replication on the server is left alone.");
        MapOperation(instances, "activate", instance => new ActivateReplication(instance), "ActivateReplication",
            "Replicate from the master with GTID auto-positioning (on the master: from the standby, for mutual master-standby).");
        MapOperation(instances, "detach", instance => new DetachReplication(instance), "DetachReplication",
            "Stop replication and forget the source; the data stays.");
        MapOperation(instances, "pause", instance => new PauseInstance(instance), "PauseInstance",
            "Master: read-only. Standby or replica: replication threads stopped.");
        MapOperation(instances, "resume", instance => new ResumeInstance(instance), "ResumeInstance", "The inverse of pause.");
        return endpoints;
    }

    /// <summary>
    /// Operations that change the server (activate, detach, pause, resume) are the leader's, and are carried out by the
    /// instance's agent under the leader's fencing token.
    /// </summary>
    private static void MapOperation(RouteGroupBuilder instances, string route, Func<string, ILifecycleOperation> operation, string name, string summary)
    {
        var endpoint = instances.MapPost($"/{route}", (Guid id, string instance, LifecycleRunner runner, CancellationToken cancellation) =>
                RunAsync(id, operation(instance), runner, cancellation))
            .WithName(name).WithSummary(summary);
        if (route is not "unregister") endpoint.LeaderOnly();
    }

    private static async Task<Results<Ok<LifecycleResponse>, ProblemHttpResult, ValidationProblem>> RunAsync(
        Guid id, ILifecycleOperation operation, LifecycleRunner runner, CancellationToken cancellation) =>
        await runner.RunAsync(id, operation, cancellation) switch
        {
            LifecycleResult.Done done => TypedResults.Ok(new LifecycleResponse(
                done.Cluster.Find(operation.Instance)!, done.Cluster.Version, done.Event.GetType().Name, done.Event)),
            LifecycleResult.NotFound => ClusterProblems.NoSuchCluster(id),
            LifecycleResult.Refused refused => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "The operation does not fit the instance's state.", detail: refused.Reason),
            LifecycleResult.AgentFailed failed => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway,
                title: "The instance's agent refused the operation or could not be reached; nothing was recorded.", detail: failed.Reason),
            LifecycleResult.AgentsUnavailable unavailable => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The operation needs the agents.", detail: unavailable.Reason),
            var other => throw new InvalidOperationException($"Unexpected lifecycle result {other}"),
        };
}
