using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Commands;

/// <summary>Runs one command against the local server through the journal, and maps its failures to problems.</summary>
internal sealed partial class CommandContext(
    AgentSettings settings, IReplicationCommands replication, IServerProbe probe, CommandJournal journal, TimeProvider clock,
    IHttpContextAccessor http, ILogger<CommandContext> logger)
{
    public AgentSettings Settings => settings;

    public IReplicationCommands Replication => replication;

    public CommandJournal Journal => journal;

    public TimeProvider Clock => clock;

    public static Results<Ok<AgentCommandResult<TDetail>>, ProblemHttpResult> Invalid<TDetail>(string detail) where TDetail : class =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The command is not valid.", detail: detail);

    public async Task<Results<Ok<AgentCommandResult<TDetail>>, ProblemHttpResult>> RunAsync<TDetail>(string? commandId, string command,
        Func<ServerEndpoint, ServerCredentials, CancellationToken, Task<(CommandOutcome Outcome, TDetail? Detail)>> execute)
        where TDetail : class
    {
        if (string.IsNullOrWhiteSpace(commandId)) return Invalid<TDetail>("commandId is required: a retry must carry the same id.");
        // A command runs to its end even if the caller goes away: half a promotion is worse than a late answer.
        try
        {
            var (result, replayed) = await journal.RunOnceAsync(commandId, command, async () =>
            {
                var (outcome, detail) = await execute(settings.Server, settings.AdminCredentials, CancellationToken.None);
                return new AgentCommandResult<TDetail>(commandId, command, outcome, detail, clock.GetUtcNow());
            });
            AgentMetrics.Commands.WithLabels(command, replayed ? "replayed" : "done").Inc();
            LogCommand(command, commandId, replayed, result.Outcome?.GtidExecuted, result.Outcome?.ReadOnly);
            return TypedResults.Ok(result with { Replayed = replayed });
        }
        catch (CommandIdReusedException e)
        {
            AgentMetrics.Commands.WithLabels(command, "refused").Inc();
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The command id was used for another command.", detail: e.Message);
        }
        catch (ReplicationCommandException e)
        {
            AgentMetrics.Commands.WithLabels(command, "failed").Inc();
            LogCommandFailed(command, commandId, e.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "mysqld did not carry out the command.", detail: e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Command} {CommandId}: done (replayed: {Replayed}), gtid {GtidExecuted}, read_only {ReadOnly}")]
    private partial void LogCommand(string command, string commandId, bool replayed, string? gtidExecuted, bool? readOnly);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Command} {CommandId}: mysqld refused: {Reason}")]
    private partial void LogCommandFailed(string command, string commandId, string reason);

    /// <summary>MoHA's "if master" commands: refused on a server that replicates from another, unless it is a mutual pair's master.</summary>
    public async Task<Results<Ok<AgentCommandResult<TDetail>>, ProblemHttpResult>> RunOnMasterAsync<TDetail>(string? commandId, bool mutual, string command,
        Func<ServerEndpoint, ServerCredentials, CancellationToken, Task<(CommandOutcome Outcome, TDetail? Detail)>> execute)
        where TDetail : class
    {
        var local = await probe.ReadAsync(settings.Server, settings.AdminCredentials, http.HttpContext!.RequestAborted);
        if (local.Snapshot is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "mysqld does not answer.", detail: local.Failure);
        if (local.Snapshot.Replication is { } channel && !mutual)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This server is not a master.",
                detail: $"{settings.Server} replicates from {channel.Source}; {command} applies to a master only (send mutual: true for a mutual pair's master).");
        return await RunAsync(commandId, command, execute);
    }
}
