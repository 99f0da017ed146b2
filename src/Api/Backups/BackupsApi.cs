using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.Hosting;
using MySqlHa.Api.Security;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Api.Backups;

/// <summary>
/// A backup to start: <paramref name="Instance"/> names the instance to read (default: the standby, else a healthy
/// replica); the master is backed up only with <paramref name="AllowMaster"/>. <paramref name="Compression"/> is zstd or
/// gzip (default: the policy's); the backup fails if it has not ended within <paramref name="DeadlineMinutes"/> (default 360).
/// </summary>
public sealed record BackupRequest(string? Instance, bool AllowMaster = false, string? Compression = null, double? DeadlineMinutes = null);

public sealed record BackupAccepted(Guid BackupId, string Instance, string Progress);

/// <summary>Full physical backups of a cluster: started, listed and inspected.</summary>
public static class BackupsApi
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromHours(6);

    public static IEndpointRouteBuilder MapBackups(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/clusters/{id:guid}/backups", StartAsync).WithTags("Backups").WithName("StartBackup").RequireAuthorization(Roles.Operator)
            .WithSummary("Starts a full physical backup (mariadb-backup, streamed compressed into the repository by the instance's agent). " +
                         "202 with the backup; 409 while another backup runs or when no instance can be backed up.")
            .LeaderOnly();
        endpoints.MapGet("/api/clusters/{id:guid}/backups", ListAsync).WithTags("Backups").WithName("ListBackups")
            .WithSummary("The cluster's backups, newest first (?state=running, completed, failed or deleted), each with its manifest once completed.");
        endpoints.MapGet("/api/clusters/{id:guid}/backups/{backupId:guid}", GetAsync).WithTags("Backups").WithName("GetBackup")
            .WithSummary("One backup: its state, manifest (instance, GTID set and binlog coordinates, sizes, SHA-256, duration, tool) or failure.");
        return endpoints;
    }

    public static async Task<Results<Accepted<BackupAccepted>, ValidationProblem, ProblemHttpResult>> StartAsync(Guid id, BackupRequest? request,
        IQuerySession session, AgentClient agents, BackupStorage storage, BackupStarter starter, CancellationToken cancellation)
    {
        request ??= new BackupRequest(null);
        var errors = new Dictionary<string, string[]>();
        BackupCompression? compression = null;
        if (request.Compression is { } named)
        {
            if (BackupCompressionNames.TryParse(named, out var parsed)) compression = parsed;
            else errors["compression"] = ["zstd or gzip."];
        }
        if (request.DeadlineMinutes is <= 0 or > 7 * 24 * 60) errors["deadlineMinutes"] = ["Between 0 and 10080 minutes (a week)."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The backup request is not valid.");
        if (await session.LoadAsync<Cluster>(id, cancellation) is null) return ClusterProblems.NoSuchCluster(id);
        if (storage.Repository is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Backups need a repository.", detail: BackupStorage.NotConfiguredReason);
        if (!agents.Configured)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Backups are taken by the agents.", detail: AgentClient.NotConfiguredReason);

        var deadline = request.DeadlineMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : DefaultDeadline;
        var start = await starter.StartAsync(id, request.Instance?.Trim(), request.AllowMaster, compression, "manual", deadline, cancellation);
        if (!start.ClusterFound) return ClusterProblems.NoSuchCluster(id);
        if (start.BackupId is not { } backupId)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The backup cannot start.", detail: start.Refusal,
                extensions: start.RunningBackup is { } running ? new Dictionary<string, object?> { ["runningBackup"] = running } : null);
        var progress = $"/api/clusters/{id}/backups/{backupId}";
        return TypedResults.Accepted(progress, new BackupAccepted(backupId, start.Instance!, progress));
    }

    public static async Task<Results<Ok<IReadOnlyList<BackupRecord>>, ValidationProblem, ProblemHttpResult>> ListAsync(Guid id, string? state,
        IQuerySession session, CancellationToken cancellation)
    {
        if (state is not (null or BackupRecord.Running or BackupRecord.Completed or BackupRecord.Failed or BackupRecord.Deleted))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["running, completed, failed or deleted."] });
        if (await session.LoadAsync<Cluster>(id, cancellation) is null) return ClusterProblems.NoSuchCluster(id);
        var query = session.Query<BackupRecord>().Where(b => b.ClusterId == id);
        if (state is not null) query = query.Where(b => b.State == state);
        IReadOnlyList<BackupRecord> backups = await query.OrderByDescending(b => b.StartedAt).ToListAsync(cancellation);
        return TypedResults.Ok(backups);
    }

    public static async Task<Results<Ok<BackupRecord>, ProblemHttpResult>> GetAsync(Guid id, Guid backupId, IQuerySession session, CancellationToken cancellation)
    {
        var backup = await session.LoadAsync<BackupRecord>(backupId, cancellation);
        return backup is not null && backup.ClusterId == id
            ? TypedResults.Ok(backup)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such backup.", detail: $"Cluster {id} has no backup {backupId}.");
    }
}
