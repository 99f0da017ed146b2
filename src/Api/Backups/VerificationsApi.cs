using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Api.Hosting;
using MySqlHa.Api.Security;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Verifications;

namespace MySqlHa.Api.Backups;

public sealed record VerificationAccepted(Guid VerificationId, Guid BackupId, string Instance, string Progress);

/// <summary>Backups proven restorable on demand; the result shows on the backup (its lastVerification).</summary>
public static class VerificationsApi
{
    private static readonly TimeSpan Deadline = TimeSpan.FromHours(6);

    public static IEndpointRouteBuilder MapVerifications(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/clusters/{id:guid}/backups/{backupId:guid}/verify", StartAsync).WithTags("Backups").WithName("VerifyBackup")
            .RequireAuthorization(Roles.Operator)
            .WithSummary("Verifies a completed backup: a replica's (or the standby's) agent restores it into a scratch server of its own and checks the GTID set, " +
                         "and every user table's CHECK TABLE, rows and checksum. 202; the result shows as the backup's lastVerification. " +
                         "404 for an unknown backup, 409 when it is not completed or is being verified.")
            .LeaderOnly();
        return endpoints;
    }

    public static async Task<Results<Accepted<VerificationAccepted>, ProblemHttpResult>> StartAsync(Guid id, Guid backupId, AgentClient agents,
        BackupStorage storage, VerificationStarter starter, CancellationToken cancellation)
    {
        if (storage.Repository is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Verifications need a repository.", detail: BackupStorage.NotConfiguredReason);
        if (!agents.Configured)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Verifications are run by the agents.", detail: AgentClient.NotConfiguredReason);
        var start = await starter.StartAsync(id, backupId, "manual", Deadline, cancellation);
        if (start.VerificationId is not { } verificationId)
            return TypedResults.Problem(statusCode: start.Status, title: "The verification cannot start.", detail: start.Refusal,
                extensions: start.RunningVerification is { } running ? new Dictionary<string, object?> { ["runningVerification"] = running } : null);
        var progress = $"/api/clusters/{id}/backups/{backupId}";
        return TypedResults.Accepted(progress, new VerificationAccepted(verificationId, backupId, start.Instance!, progress));
    }
}
