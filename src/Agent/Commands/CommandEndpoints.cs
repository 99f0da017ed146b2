using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.Security;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// The agent's HTTP API: MoHA's three (set read-only, set read-write, change master) and the steps our sagas need.
/// Every command is authenticated, fenced and idempotent by command id; each answers with the server's position as
/// the command left it.
/// </summary>
internal static class CommandEndpoints
{
    public static IEndpointRouteBuilder MapAgentCommands(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/status", ReadStatusAsync).AddEndpointFilter<TokenAuthentication>()
            .WithSummary("A snapshot of the local server: GTID sets, binlog file and position, read_only, replication threads, lag.");

        var commands = endpoints.MapGroup("/commands").AddEndpointFilter<TokenAuthentication>().AddEndpointFilter<FencingGuard>();
        commands.MapPost("/set-read-only", (MasterCommandRequest request, CommandContext context) =>
            context.RunOnMasterAsync<NoDetail>(request.CommandId, request.Mutual, "set-read-only", async (server, admin, cancellation) =>
                (await context.Replication.SetReadOnlyAsync(server, admin, true, cancellation), null)));
        commands.MapPost("/set-read-write", (MasterCommandRequest request, CommandContext context) =>
            context.RunOnMasterAsync<NoDetail>(request.CommandId, request.Mutual, "set-read-write", async (server, admin, cancellation) =>
                (await context.Replication.SetReadOnlyAsync(server, admin, false, cancellation), null)));
        commands.MapPost("/fence", FenceCommand.FenceAsync);
        commands.MapPost("/freeze", (MasterCommandRequest request, CommandContext context) =>
            context.RunOnMasterAsync(request.CommandId, request.Mutual, "freeze", async (server, admin, cancellation) =>
            {
                // Only the agent's own user is spared: it is ours, and it reads the frozen position.
                var (report, outcome) = await context.Replication.FreezeAsync(server, admin, new HashSet<string> { admin.User }, cancellation);
                return (outcome, report);
            }));
        commands.MapPost("/change-master", (ChangeMasterRequest request, CommandContext context) => ChangeMasterAsync(request, context));
        commands.MapPost("/stop-replication", (StopReplicationRequest request, CommandContext context) =>
            context.RunAsync<NoDetail>(request.CommandId, "stop-replication", async (server, admin, cancellation) =>
                (await context.Replication.StopReplicationAsync(server, admin, request.ForgetSource, cancellation), null)));
        commands.MapPost("/start-replication", (CommandRequest request, CommandContext context) =>
            context.RunAsync<NoDetail>(request.CommandId, "start-replication", async (server, admin, cancellation) =>
                (await context.Replication.StartReplicationThreadsAsync(server, admin, cancellation), null)));
        commands.MapPost("/configure-semi-sync", (ConfigureSemiSyncRequest request, CommandContext context) => ConfigureSemiSyncAsync(request, context));
        commands.MapPost("/stop-receiving", (CommandRequest request, CommandContext context) =>
            context.RunAsync(request.CommandId, "stop-receiving", async (server, admin, cancellation) =>
            {
                var (received, outcome) = await context.Replication.StopReceivingAsync(server, admin, cancellation);
                return (outcome, new ReceivedGtids(received));
            }));
        commands.MapPost("/promote", (PromoteRequest request, CommandContext context) =>
            request.RelayLogTimeoutSeconds is <= 0 or > 3600
                ? Task.FromResult(CommandContext.Invalid<ReceivedGtids>("relayLogTimeoutSeconds must be between 0 and 3600."))
                : context.RunAsync(request.CommandId, "promote", async (server, admin, cancellation) =>
                {
                    var (received, outcome) = await context.Replication.PromoteAsync(server, admin,
                        TimeSpan.FromSeconds(request.RelayLogTimeoutSeconds), cancellation);
                    return (outcome, new ReceivedGtids(received));
                }));
        commands.MapPost("/wait-for-gtid", (WaitForGtidRequest request, CommandContext context) => WaitForGtidAsync(request, context));
        commands.MapPost("/wait-for-transactions", (WaitForTransactionsRequest request, CommandContext context) =>
            request.TimeoutSeconds is < 0 or > 3600
                ? Task.FromResult(CommandContext.Invalid<OpenTransactions>("timeoutSeconds must be between 0 and 3600."))
                : context.RunAsync(request.CommandId, "wait-for-transactions", async (server, admin, cancellation) =>
                {
                    var open = await context.Replication.WaitForOpenTransactionsAsync(server, admin, TimeSpan.FromSeconds(request.TimeoutSeconds), cancellation);
                    var status = await context.Replication.DescribeAsync(server, admin, cancellation);
                    return (status, new OpenTransactions(open));
                }));
        commands.MapPost("/kill-connections", (KillConnectionsRequest request, CommandContext context) =>
            context.RunAsync(request.CommandId, "kill-connections", async (server, admin, cancellation) =>
            {
                var spared = (request.SpareUsers ?? []).Append(admin.User).ToHashSet();
                var (killed, outcome) = await context.Replication.KillClientConnectionsAsync(server, admin, spared, cancellation);
                return (outcome, new ConnectionsKilled(killed));
            }));
        commands.MapPost("/run", HostCommands.RunAsync);
        commands.MapDelete("/run/{commandId}", HostCommands.Cancel);
        return endpoints;
    }

    private static async Task<Results<Ok<ServerSnapshot>, ProblemHttpResult>> ReadStatusAsync(
        AgentSettings settings, IServerProbe probe, CancellationToken cancellation)
    {
        var result = await probe.ReadAsync(settings.Server, settings.AdminCredentials, cancellation);
        return result.Snapshot is { } snapshot
            ? TypedResults.Ok(snapshot)
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "mysqld does not answer.", detail: result.Failure);
    }

    private static Task<Results<Ok<AgentCommandResult<SourceChanged>>, ProblemHttpResult>> ChangeMasterAsync(ChangeMasterRequest request, CommandContext context)
    {
        if (string.IsNullOrWhiteSpace(request.SourceHost) || request.SourcePort is < 1 or > 65535)
            return Task.FromResult(CommandContext.Invalid<SourceChanged>("sourceHost and sourcePort (1-65535) name the new source."));
        if (context.Settings.ReplicationCredentials is not { } replication)
            return Task.FromResult(CommandContext.Invalid<SourceChanged>("The agent has no Replication:User configured, so it cannot replicate."));
        var source = new ServerEndpoint(request.SourceHost.Trim(), request.SourcePort);
        return context.RunAsync(request.CommandId, "change-master", async (server, admin, cancellation) =>
            (await context.Replication.StartReplicatingFromAsync(server, admin, source, replication, cancellation),
                new SourceChanged(source.ToString())));
    }

    private static Task<Results<Ok<AgentCommandResult<NoDetail>>, ProblemHttpResult>> ConfigureSemiSyncAsync(ConfigureSemiSyncRequest request,
        CommandContext context)
    {
        if (request.TimeoutMilliseconds is < 1 or > uint.MaxValue)
            return Task.FromResult(CommandContext.Invalid<NoDetail>($"timeoutMilliseconds must be between 1 and {uint.MaxValue}."));
        var settings = new SemiSyncSettings(request.Enabled, TimeSpan.FromMilliseconds(request.TimeoutMilliseconds));
        return context.RunAsync<NoDetail>(request.CommandId, "configure-semi-sync", async (server, admin, cancellation) =>
            (await context.Replication.ConfigureSemiSyncAsync(server, admin, settings, request.AsMaster, cancellation), null));
    }

    private static Task<Results<Ok<AgentCommandResult<GtidWait>>, ProblemHttpResult>> WaitForGtidAsync(WaitForGtidRequest request, CommandContext context)
    {
        if (string.IsNullOrWhiteSpace(request.GtidSet))
            return Task.FromResult(CommandContext.Invalid<GtidWait>("gtidSet is required."));
        if (request.TimeoutSeconds is <= 0 or > 3600)
            return Task.FromResult(CommandContext.Invalid<GtidWait>("timeoutSeconds must be between 0 and 3600."));
        return context.RunAsync(request.CommandId, "wait-for-gtid", async (server, admin, cancellation) =>
        {
            var (reached, outcome) = await context.Replication.WaitForGtidAsync(server, admin, request.GtidSet.Trim(),
                TimeSpan.FromSeconds(request.TimeoutSeconds), cancellation);
            return (outcome, new GtidWait(reached, request.GtidSet.Trim()));
        });
    }
}
