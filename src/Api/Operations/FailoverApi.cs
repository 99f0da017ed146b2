using MySqlHa.Api.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.Hosting;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;

namespace MySqlHa.Api.Operations;

public sealed record EmergencyFailoverRequest(string? Candidate, string? Reason);

public sealed record FailoverAccepted(Guid OperationId, string Status, string Progress);

public sealed record AcknowledgeFailoverRequest(string? Note);

public sealed record AutomaticFailoverState(bool Automatic, DateTimeOffset? BlockedUntil);

public sealed record FailoverPolicyRequest(bool Automatic = true, double BlockPeriodSeconds = 600, double RelayLogTimeoutSeconds = 30,
    IReadOnlyList<string>? NeverPromote = null, IReadOnlyDictionary<string, int>? Priorities = null);

/// <summary>LAIN's emergency switch, the anti-flapping acknowledgement, and each cluster's failover policy.</summary>
public static class FailoverApi
{
    public static IEndpointRouteBuilder MapFailover(this IEndpointRouteBuilder endpoints)
    {
        var failover = endpoints.MapGroup("/api/clusters/{id:guid}").WithTags("Operations");
        failover.MapPost("/failover", EmergencyAsync).WithName("EmergencyFailover").RequireAuthorization(Roles.Admin)
            .WithSummary("Emergency switch: fail over now, allowed only while the master's status is ERROR. 202 with the operation.")
            .LeaderOnly();
        failover.MapPost("/failover/acknowledge", AcknowledgeAsync).WithName("AcknowledgeFailover").RequireAuthorization(Roles.Admin)
            .WithSummary("Lift the block on automatic failover that the last failover set (anti-flapping).");
        failover.MapGet("/failover-policy", GetPolicyAsync).WithName("GetFailoverPolicy");
        failover.MapPut("/failover-policy", SetPolicyAsync).WithName("SetFailoverPolicy").RequireAuthorization(Roles.Admin)
            .WithSummary("Automatic failover on or off, the block period after a failover, the relay-log wait, excluded instances and priorities.");
        return endpoints;
    }

    public static async Task<Results<Accepted<FailoverAccepted>, ProblemHttpResult>> EmergencyAsync(Guid id, EmergencyFailoverRequest? request,
        IQuerySession session, AgentClient agents, FailoverStarter starter, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(id, cancellation) is not { } cluster) return ClusterProblems.NoSuchCluster(id);
        if (!agents.Configured)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Failover needs the agents.",
                detail: AgentClient.NotConfiguredReason);
        if (cluster.Master is not { } master)
            return Conflict("The cluster has no master to fail over from.", "Register a master first.");
        if (master.Status != InstanceStatus.Error)
            return Conflict("The master is not in ERROR.",
                $"'{master.Name}' is {master.Status.ToString().ToUpperInvariant()}; an emergency switch is allowed only when the master is in ERROR. Use a switchover.");
        if (request?.Candidate is { } candidate && cluster.Find(candidate) is not { Role: InstanceRole.Standby or InstanceRole.Replica })
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a candidate.",
                detail: $"'{candidate}' is not a registered standby or replica of '{cluster.Name}'.");

        var evidence = new List<string> { $"emergency switch requested by an operator: {request?.Reason ?? "no reason given"}",
            $"the master '{master.Name}' is ERROR: {master.StatusReason}" };
        var (started, operation) = await starter.StartAsync(cluster, "emergency", request?.Candidate, evidence, null, null, masterProcessGone: false, cancellation);
        if (!started)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another operation is running on the cluster.",
                detail: $"Operation {operation} holds '{cluster.Name}'; see /api/operations/{operation}.",
                extensions: new Dictionary<string, object?> { ["runningOperation"] = operation });
        var progress = $"/api/operations/{operation}";
        return TypedResults.Accepted(progress, new FailoverAccepted(operation!.Value, "accepted", progress));
    }

    public static async Task<Results<Ok<AutomaticFailoverState>, ProblemHttpResult>> AcknowledgeAsync(Guid id, AcknowledgeFailoverRequest? request,
        ClusterStream clusters, TimeProvider clock, CancellationToken cancellation)
    {
        var cluster = await clusters.AppendAsync(id, c => c.AutomaticFailoverBlockedUntil is null ? null
            : new FailoverAcknowledged(id, request?.Note, clock.GetUtcNow()), cancellation);
        return cluster is null ? ClusterProblems.NoSuchCluster(id)
            : TypedResults.Ok(new AutomaticFailoverState(cluster.FailoverPolicy.Automatic, cluster.AutomaticFailoverBlockedUntil));
    }

    public static async Task<Results<Ok<FailoverPolicy>, ProblemHttpResult>> GetPolicyAsync(Guid id, IQuerySession session, CancellationToken cancellation) =>
        await session.LoadAsync<Cluster>(id, cancellation) is { } cluster ? TypedResults.Ok(cluster.FailoverPolicy) : ClusterProblems.NoSuchCluster(id);

    public static async Task<Results<Ok<FailoverPolicy>, ValidationProblem, ProblemHttpResult>> SetPolicyAsync(Guid id, FailoverPolicyRequest request,
        IQuerySession session, ClusterStream clusters, TimeProvider clock, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(id, cancellation) is not { } cluster) return ClusterProblems.NoSuchCluster(id);
        var errors = new Dictionary<string, string[]>();
        if (request.BlockPeriodSeconds is < 0 or > 7 * 86400) errors["blockPeriodSeconds"] = ["Between 0 and 604800 seconds (a week)."];
        if (request.RelayLogTimeoutSeconds is <= 0 or > 3600) errors["relayLogTimeoutSeconds"] = ["Between 0 and 3600 seconds."];
        var unknown = (request.NeverPromote ?? []).Concat(request.Priorities?.Keys ?? []).Where(name => cluster.Find(name) is null).Distinct().ToList();
        if (unknown.Count > 0) errors["instances"] = [$"The cluster has no instance {string.Join(", ", unknown.Select(n => $"'{n}'"))}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The failover policy is not valid.");

        var policy = new FailoverPolicy(request.Automatic, TimeSpan.FromSeconds(request.BlockPeriodSeconds), TimeSpan.FromSeconds(request.RelayLogTimeoutSeconds),
            request.NeverPromote ?? [], request.Priorities ?? new Dictionary<string, int>());
        var changed = await clusters.AppendAsync(id, _ => new FailoverPolicyChanged(id, policy, clock.GetUtcNow()), cancellation);
        return TypedResults.Ok(changed!.FailoverPolicy);
    }

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
