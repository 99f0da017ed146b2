using MySqlHa.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Hosting;
using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Api.Clusters;

/// <summary><paramref name="TimeoutMilliseconds"/> (default 10,000) is ignored when <paramref name="NeverFallBack"/> is set.</summary>
public sealed record SemiSyncRequest(bool? Enabled, long? TimeoutMilliseconds, bool NeverFallBack = false);

/// <summary>Semi-synchronous replication (wait point AFTER_SYNC) for a whole cluster.</summary>
public static class SemiSyncApi
{
    public static IEndpointRouteBuilder MapSemiSync(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut("/api/clusters/{id:guid}/semi-sync", ConfigureAsync).WithTags("Clusters").WithName("ConfigureSemiSync").RequireAuthorization(Roles.Admin)
            .WithSummary("Semi-synchronous replication on or off on every registered server, through its agent, wait point AFTER_SYNC; " +
                         "neverFallBack keeps the master waiting for an acknowledgement instead of going asynchronous. " +
                         "502 names the servers that did not take it.")
            .LeaderOnly();
        return endpoints;
    }

    public static async Task<Results<Ok<SemiSyncConfigured>, ValidationProblem, ProblemHttpResult>> ConfigureAsync(Guid id, SemiSyncRequest request,
        SemiSyncConfigurator configurator, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Enabled is null) errors["enabled"] = ["Say whether semi-synchronous replication is to be on (true) or off (false)."];
        if (request.TimeoutMilliseconds is < 1 or > uint.MaxValue) errors["timeoutMilliseconds"] = [$"Between 1 and {uint.MaxValue}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The semi-sync request is not valid.");

        if (!configurator.Available)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Semi-sync is set through the agents.",
                detail: AgentClient.NotConfiguredReason);

        var timeout = request.NeverFallBack ? SemiSyncSettings.NeverFallBack : TimeSpan.FromMilliseconds(request.TimeoutMilliseconds ?? 10_000);
        var (cluster, recorded) = await configurator.ApplyAsync(id, new SemiSyncSettings(request.Enabled!.Value, timeout), cancellation);
        if (cluster is null) return ClusterProblems.NoSuchCluster(id);
        if (recorded!.FailedOn.Count > 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Some servers did not take the setting.",
                detail: string.Join("; ", recorded.FailedOn.Select(f => $"{f.Key}: {f.Value}")),
                extensions: new Dictionary<string, object?> { ["appliedOn"] = recorded.AppliedOn.Keys, ["failedOn"] = recorded.FailedOn });
        return TypedResults.Ok(recorded);
    }
}
