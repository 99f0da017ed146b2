using MySqlHa.Api.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.Hosting;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Switchover;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Api.Operations;

/// <summary>
/// <paramref name="DeadlineSeconds"/> bounds the whole switchover (default: the transaction wait, three catch-up
/// timeouts and a minute); past it the switchover aborts, or ends needing attention if it may have promoted.
/// </summary>
public sealed record SwitchoverRequest(string? Candidate, bool KillSessions = false, double CatchUpTimeoutSeconds = 30,
    double TransactionWaitSeconds = 5, double? DeadlineSeconds = null);

public sealed record SwitchoverAccepted(Guid OperationId, string Status, string Progress);

public sealed record SwitchoverDryRun(bool WouldRun, string? Refusal, string? OldMaster, string? Candidate, bool Mutual, IReadOnlyList<string> Replicas);

public static class SwitchoverApi
{
    public static IEndpointRouteBuilder MapSwitchover(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/clusters/{id:guid}/switchover", StartAsync).WithTags("Operations").WithName("StartSwitchover").RequireAuthorization(Roles.Operator)
            .WithSummary("Planned switchover to the candidate (default: the standby, else the most advanced healthy replica). 202 with the operation; ?dryRun=true runs the pre-checks only.")
            .LeaderOnly();
        return endpoints;
    }

    public static async Task<Results<Accepted<SwitchoverAccepted>, Ok<SwitchoverDryRun>, ProblemHttpResult, ValidationProblem>> StartAsync(
        Guid id, SwitchoverRequest? request, bool? dryRun, IQuerySession session, AgentClient agents, OperationStarter operations,
        CancellationToken cancellation)
    {
        request ??= new SwitchoverRequest(null);
        if (request.CatchUpTimeoutSeconds is <= 0 or > 3600)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["catchUpTimeoutSeconds"] = ["Between 0 and 3600 seconds."] });
        if (request.TransactionWaitSeconds is < 0 or > 3600)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["transactionWaitSeconds"] = ["Between 0 and 3600 seconds."] });
        if (request.DeadlineSeconds is <= 0 or > 86400)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["deadlineSeconds"] = ["Between 0 and 86400 seconds."] });
        if (await session.LoadAsync<Cluster>(id, cancellation) is not { } cluster) return ClusterProblems.NoSuchCluster(id);
        if (!agents.Configured)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Switchover needs the agents.",
                detail: AgentClient.NotConfiguredReason);

        if (dryRun == true)
        {
            var live = await SwitchoverChecks.ReadLiveAsync(cluster, agents, cancellation);
            var plan = SwitchoverPlan.Decide(cluster, request.Candidate, live);
            return TypedResults.Ok(new SwitchoverDryRun(plan.Refusal is null, plan.Refusal, NullIfEmpty(plan.OldMaster),
                NullIfEmpty(plan.Candidate), plan.Mutual, plan.Replicas));
        }

        var (catchUp, transactionWait) = (TimeSpan.FromSeconds(request.CatchUpTimeoutSeconds), TimeSpan.FromSeconds(request.TransactionWaitSeconds));
        var deadline = request.DeadlineSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : transactionWait + 3 * catchUp + TimeSpan.FromMinutes(1);
        var (started, operationId) = await operations.StartAsync(id, OperationKind.Switchover, _ => true, deadline,
            operation => new StartSwitchover(operation, id, cluster.Name, request.Candidate, request.KillSessions, catchUp, transactionWait, deadline),
            cancellation);
        if (!started)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another operation is running on the cluster.",
                detail: $"Operation {operationId} holds '{cluster.Name}'; see /api/operations/{operationId}.",
                extensions: new Dictionary<string, object?> { ["runningOperation"] = operationId });

        var progress = $"/api/operations/{operationId}";
        return TypedResults.Accepted(progress, new SwitchoverAccepted(operationId!.Value, "accepted", progress));
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
