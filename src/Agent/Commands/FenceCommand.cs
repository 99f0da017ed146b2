using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Agent.Registration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// Fences the local server before another is promoted, and proves it: frozen as a switchover freezes its old master
/// (read_only set and confirmed, every client session but the agent's own ended and gone; a mutual pair's master too,
/// with <c>mutual</c>), or, when mysqld does not answer, its process
/// shown gone (nothing listens on its port on this host). A mysqld whose process is stopped is killed first (see
/// <see cref="StoppedMysqldKiller"/>); like the proof of a process gone, the kill is answered without the journal: a
/// retry finds the process gone and proves it so, and the journal's flushed write would only delay the failover. A
/// server that neither answers nor is gone, nor stopped (hung on its disk, say), is not fenced: the answer says so
/// (503) and the controller must not promote.
/// </summary>
internal static class FenceCommand
{
    public static async Task<Results<Ok<AgentCommandResult<FenceAnswer>>, ProblemHttpResult>> FenceAsync(MasterCommandRequest request, CommandContext context,
        IServerProbe probe, StoppedMysqldKiller killer, HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return CommandContext.Invalid<FenceAnswer>("commandId is required: a retry must carry the same id.");
        // Before any probe: a stopped process cannot answer one, and waiting for the probe to give up delays the failover.
        if (killer.FindStopped() is { } stopped)
        {
            try
            {
                return Proven(request.CommandId, await killer.KillAsync(stopped), context);
            }
            catch (ReplicationCommandException e)
            {
                AgentMetrics.Commands.WithLabels("fence", "failed").Inc();
                return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "mysqld's stopped process was not killed.", detail: e.Message);
            }
        }
        var server = context.Settings.Server;
        var local = await probe.ReadAsync(server, context.Settings.AdminCredentials, http.RequestAborted);
        if (local.Snapshot is null)
        {
            if (LocalListener.IsListening(server.Port))
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "mysqld is neither fenced nor gone.",
                    detail: $"mysqld does not answer ({local.Failure}), yet a process that is not stopped still listens on port {server.Port}: it may be hung and resume writable.");
            return Proven(request.CommandId, new FenceAnswer(FenceProof.ProcessGone, 0,
                $"mysqld does not answer ({local.Failure}) and nothing listens on port {server.Port} on this host"), context);
        }
        return await context.RunOnMasterAsync(request.CommandId, request.Mutual, "fence", async (target, admin, cancellation) =>
        {
            // The switchover's freeze: read_only, then every client session but the agent's own ended, round after
            // round, each waited for until it has left.
            var (report, outcome) = await context.Replication.FreezeAsync(target, admin, new HashSet<string> { admin.User }, cancellation);
            if (!outcome.ReadOnly)
                throw new ReplicationCommandException(target, "fence", "read_only is still off after it was set");
            if (report.StillConnected.Count > 0)
                throw new ReplicationCommandException(target, "fence", $"client sessions keep connecting: {string.Join(", ", report.StillConnected)}");
            var fenced = new FenceAnswer(FenceProof.ReadOnly, report.SessionsEnded, $"read_only confirmed and {report.SessionsEnded} client session(s) ended");
            return (outcome, fenced);
        });
    }

    private static Ok<AgentCommandResult<FenceAnswer>> Proven(string commandId, FenceAnswer gone, CommandContext context)
    {
        AgentMetrics.Commands.WithLabels("fence", "done").Inc();
        return TypedResults.Ok(new AgentCommandResult<FenceAnswer>(commandId, "fence", null, gone, context.Clock.GetUtcNow()));
    }
}
