using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.Hosting;
using MySqlHa.Api.Security;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Restores;

namespace MySqlHa.Api.Backups;

/// <summary>
/// A restore of backup <paramref name="BackupId"/> (default: the newest completed one from before the target) into
/// <paramref name="Instance"/>, an unregistered instance whose server is stopped and whose data folder is empty.
/// <paramref name="Mode"/> is restore (the server is left standalone) or clone (it then joins as a replica of the
/// master and catches up). A restore goes to the backup's point, or on through the archived binlogs to at most one of
/// <paramref name="ToLatest"/> (the archive's end), <paramref name="ToTime"/> (events stamped before it, to the second)
/// and <paramref name="ToGtid"/> (included). It fails if it has not ended within <paramref name="DeadlineMinutes"/> (default 360).
/// </summary>
public sealed record RestoreRequest(string? Instance, Guid? BackupId = null, string? Mode = null, double? DeadlineMinutes = null,
    bool ToLatest = false, DateTimeOffset? ToTime = null, string? ToGtid = null);

public sealed record RestoreAccepted(Guid RestoreId, Guid BackupId, string Instance, string Progress);

/// <summary>Restores and clones from a cluster's backups.</summary>
public static class RestoresApi
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromHours(6);

    public static IEndpointRouteBuilder MapRestores(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/clusters/{id:guid}/restores", StartAsync).WithTags("Backups").WithName("StartRestore").RequireAuthorization(Roles.Operator)
            .WithSummary("Restores a backup into an unregistered instance whose server is stopped and data folder empty, then replays archived binlogs " +
                         "up to toLatest, toTime or toGtid; mode clone instead makes it a replica of the master. 202 with the restore; 409 when the target, " +
                         "the backup or the binlog archive does not allow it (nothing is touched).")
            .LeaderOnly();
        endpoints.MapGet("/api/clusters/{id:guid}/restores", ListAsync).WithTags("Backups").WithName("ListRestores")
            .WithSummary("The cluster's restores and clones, newest first.");
        endpoints.MapGet("/api/clusters/{id:guid}/restores/{restoreId:guid}", GetAsync).WithTags("Backups").WithName("GetRestore")
            .WithSummary("One restore: its state, the position the backup left the server at, and its final position or failure.");
        return endpoints;
    }

    public static async Task<Results<Accepted<RestoreAccepted>, ValidationProblem, ProblemHttpResult>> StartAsync(Guid id, RestoreRequest request,
        IQuerySession session, AgentClient agents, BackupStorage storage, RestoreStarter starter, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Instance)) errors["instance"] = ["Name the instance to restore into."];
        var mode = request.Mode?.Trim() ?? RestoreMode.Restore;
        if (!RestoreMode.IsKnown(mode)) errors["mode"] = ["restore or clone."];
        if (request.DeadlineMinutes is <= 0 or > 7 * 24 * 60) errors["deadlineMinutes"] = ["Between 0 and 10080 minutes (a week)."];
        var targets = new[] { request.ToLatest, request.ToTime is not null, !string.IsNullOrWhiteSpace(request.ToGtid) }.Count(named => named);
        if (targets > 1) errors["target"] = ["Name at most one of toLatest, toTime and toGtid."];
        if (targets > 0 && mode == RestoreMode.Clone) errors["target"] = ["A clone catches up by replication; it takes no point in time."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The restore request is not valid.");
        var target = request.ToLatest ? new RestoreTarget(RestoreTarget.Latest)
            : request.ToTime is { } time ? new RestoreTarget(RestoreTarget.Timestamp, Time: time)
            : !string.IsNullOrWhiteSpace(request.ToGtid) ? new RestoreTarget(RestoreTarget.Position, Gtid: request.ToGtid.Trim())
            : RestoreTarget.AtBackup;
        if (await session.LoadAsync<Cluster>(id, cancellation) is null) return ClusterProblems.NoSuchCluster(id);
        if (storage.Repository is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Restores need a repository.", detail: BackupStorage.NotConfiguredReason);
        if (!agents.Configured)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Restores are run by the agents.", detail: AgentClient.NotConfiguredReason);

        var deadline = request.DeadlineMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : DefaultDeadline;
        var start = await starter.StartAsync(id, request.Instance!.Trim(), request.BackupId, mode, target, deadline, cancellation);
        if (start.RestoreId is not { } restoreId)
            return TypedResults.Problem(statusCode: start.Status, title: "The restore cannot start.", detail: start.Refusal);
        var progress = $"/api/clusters/{id}/restores/{restoreId}";
        return TypedResults.Accepted(progress, new RestoreAccepted(restoreId, start.BackupId!.Value, request.Instance.Trim(), progress));
    }

    public static async Task<Results<Ok<IReadOnlyList<RestoreRecord>>, ProblemHttpResult>> ListAsync(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(id, cancellation) is null) return ClusterProblems.NoSuchCluster(id);
        IReadOnlyList<RestoreRecord> restores = await session.Query<RestoreRecord>().Where(r => r.ClusterId == id).OrderByDescending(r => r.StartedAt)
            .ToListAsync(cancellation);
        return TypedResults.Ok(restores);
    }

    public static async Task<Results<Ok<RestoreRecord>, ProblemHttpResult>> GetAsync(Guid id, Guid restoreId, IQuerySession session, CancellationToken cancellation)
    {
        var restore = await session.LoadAsync<RestoreRecord>(restoreId, cancellation);
        return restore is not null && restore.ClusterId == id
            ? TypedResults.Ok(restore)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such restore.", detail: $"Cluster {id} has no restore {restoreId}.");
    }
}
