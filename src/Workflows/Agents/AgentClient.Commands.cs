using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Workflows.Agents;

// The agent's commands, one typed method each (see the README's "The agent's API"). A command that waits on the
// server is given its wait as timeoutSeconds, and the call's own bound is that wait plus CallTimeout.
public sealed partial class AgentClient
{
    public Task<AgentAnswer<NoDetail>> SetReadOnlyAsync(string cluster, string instance, string commandId, bool mutual, CancellationToken cancellation) =>
        CommandAsync<MasterCommandRequest, NoDetail>(cluster, instance, "set-read-only", new(commandId, mutual), null, cancellation);

    public Task<AgentAnswer<NoDetail>> SetReadWriteAsync(string cluster, string instance, string commandId, bool mutual, CancellationToken cancellation) =>
        CommandAsync<MasterCommandRequest, NoDetail>(cluster, instance, "set-read-write", new(commandId, mutual), null, cancellation);

    public Task<AgentAnswer<SourceChanged>> ChangeMasterAsync(string cluster, string instance, string commandId, ServerEndpoint source,
        CancellationToken cancellation) =>
        CommandAsync<ChangeMasterRequest, SourceChanged>(cluster, instance, "change-master", new(commandId, source.Host, source.Port), null, cancellation);

    /// <summary>Stops the replication threads; <paramref name="forgetSource"/> also drops the channel (a detach).</summary>
    public Task<AgentAnswer<NoDetail>> StopReplicationAsync(string cluster, string instance, string commandId, bool forgetSource,
        CancellationToken cancellation) =>
        CommandAsync<StopReplicationRequest, NoDetail>(cluster, instance, "stop-replication", new(commandId, forgetSource), null, cancellation);

    public Task<AgentAnswer<NoDetail>> StartReplicationAsync(string cluster, string instance, string commandId, CancellationToken cancellation) =>
        CommandAsync<CommandRequest, NoDetail>(cluster, instance, "start-replication", new(commandId), null, cancellation);

    /// <summary>Semi-sync on the instance's server as <paramref name="settings"/> say, waiting for acknowledgements <paramref name="asMaster"/> or giving them.</summary>
    public Task<AgentAnswer<NoDetail>> ConfigureSemiSyncAsync(string cluster, string instance, string commandId, SemiSyncSettings settings,
        bool asMaster, CancellationToken cancellation) =>
        CommandAsync<ConfigureSemiSyncRequest, NoDetail>(cluster, instance, "configure-semi-sync",
            new(commandId, settings.Enabled, (long)settings.Timeout.TotalMilliseconds, asMaster), null, cancellation);

    public Task<AgentAnswer<ReceivedGtids>> PromoteAsync(string cluster, string instance, string commandId, TimeSpan relayLogTimeout,
        CancellationToken cancellation) =>
        CommandAsync<PromoteRequest, ReceivedGtids>(cluster, instance, "promote", new(commandId, relayLogTimeout.TotalSeconds), relayLogTimeout, cancellation);

    public Task<AgentAnswer<GtidWait>> WaitForGtidAsync(string cluster, string instance, string commandId, string gtidSet, TimeSpan timeout,
        CancellationToken cancellation) =>
        CommandAsync<WaitForGtidRequest, GtidWait>(cluster, instance, "wait-for-gtid", new(commandId, gtidSet, timeout.TotalSeconds), timeout, cancellation);

    public Task<AgentAnswer<OpenTransactions>> WaitForTransactionsAsync(string cluster, string instance, string commandId, TimeSpan timeout,
        CancellationToken cancellation) =>
        CommandAsync<WaitForTransactionsRequest, OpenTransactions>(cluster, instance, "wait-for-transactions", new(commandId, timeout.TotalSeconds),
            timeout, cancellation);

    public Task<AgentAnswer<FreezeReport>> FreezeAsync(string cluster, string instance, string commandId, bool mutual, CancellationToken cancellation) =>
        CommandAsync<MasterCommandRequest, FreezeReport>(cluster, instance, "freeze", new(commandId, mutual), null, cancellation);

    /// <summary><paramref name="timeout"/>: how long beyond CallTimeout the agent may take to find its mysqld gone and say so.</summary>
    public Task<AgentAnswer<FenceAnswer>> FenceAsync(string cluster, string instance, string commandId, bool mutual, TimeSpan? timeout,
        CancellationToken cancellation) =>
        CommandAsync<MasterCommandRequest, FenceAnswer>(cluster, instance, "fence", new(commandId, mutual), timeout, cancellation);
}
