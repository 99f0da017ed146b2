using Microsoft.AspNetCore.Http.HttpResults;
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
        var instances = endpoints.MapGroup("/api/clusters/{id:guid}/instances/{instance}").WithTags("Instances");
        instances.MapPost("/register", (Guid id, string instance, RegisterInstanceRequest request, LifecycleRunner runner, CancellationToken cancellation) =>
                request.Role is { } role
                    ? RunAsync(id, new RegisterInstance(instance, role), runner, cancellation)
                    : Task.FromResult<Results<Ok<LifecycleResponse>, ProblemHttpResult, ValidationProblem>>(TypedResults.ValidationProblem(
                        new Dictionary<string, string[]> { ["role"] = ["A role is required: master, standby or replica."] })))
            .WithName("RegisterInstance").WithSummary("Give an instance a role; changes only our records.");
        instances.MapPost("/unregister", (Guid id, string instance, LifecycleRunner runner, CancellationToken cancellation) =>
                RunAsync(id, new UnregisterInstance(instance), runner, cancellation))
            .WithName("UnregisterInstance").WithSummary("Remove an instance's role; replication on the server is left alone.");
        instances.MapPost("/activate", (Guid id, string instance, LifecycleRunner runner, CancellationToken cancellation) =>
                RunAsync(id, new ActivateReplication(instance), runner, cancellation))
            .WithName("ActivateReplication").WithSummary("Replicate from the master with GTID auto-positioning (on the master: from the standby, for mutual master-standby).");
        instances.MapPost("/detach", (Guid id, string instance, LifecycleRunner runner, CancellationToken cancellation) =>
                RunAsync(id, new DetachReplication(instance), runner, cancellation))
            .WithName("DetachReplication").WithSummary("Stop replication and forget the source; the data stays.");
        instances.MapPost("/pause", (Guid id, string instance, LifecycleRunner runner, CancellationToken cancellation) =>
                RunAsync(id, new PauseInstance(instance), runner, cancellation))
            .WithName("PauseInstance").WithSummary("Master: read-only. Standby or replica: replication threads stopped.");
        instances.MapPost("/resume", (Guid id, string instance, LifecycleRunner runner, CancellationToken cancellation) =>
                RunAsync(id, new ResumeInstance(instance), runner, cancellation))
            .WithName("ResumeInstance").WithSummary("The inverse of pause.");
        return endpoints;
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
            LifecycleResult.ServerFailed failed => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway,
                title: "The database server did not carry out the operation; nothing was recorded.", detail: failed.Reason),
            var other => throw new InvalidOperationException($"Unexpected lifecycle result {other}"),
        };
}
