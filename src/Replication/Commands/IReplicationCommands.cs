using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Commands;

/// <summary>What a command saw on the server once it was done: the facts an auditor needs.</summary>
public sealed record CommandOutcome(ServerEndpoint Server, string GtidExecuted, string? BinlogFile, long? BinlogPosition, bool ReadOnly);

/// <summary>
/// What a freeze did: the sessions it ended, and those still connected after its last round ("id user"); the freeze
/// holds only when <paramref name="StillConnected"/> is empty. Shared by the agent that answers it and the controller.
/// </summary>
public sealed record FreezeReport(int SessionsEnded, IReadOnlyList<string> StillConnected);

/// <summary>Changes to replication and writability on one server, each followed by a read of its position.</summary>
public interface IReplicationCommands
{
    Task<CommandOutcome> StartReplicatingFromAsync(ServerEndpoint server, ServerCredentials admin,
        ServerEndpoint source, ServerCredentials replication, CancellationToken cancellation);

    /// <summary>Stops the replication threads; with <paramref name="forgetSource"/> also drops the channel.</summary>
    Task<CommandOutcome> StopReplicationAsync(ServerEndpoint server, ServerCredentials admin, bool forgetSource, CancellationToken cancellation);

    Task<CommandOutcome> StartReplicationThreadsAsync(ServerEndpoint server, ServerCredentials admin, CancellationToken cancellation);

    Task<CommandOutcome> SetReadOnlyAsync(ServerEndpoint server, ServerCredentials admin, bool readOnly, CancellationToken cancellation);

    /// <summary>
    /// Stops the receiver (IO thread) and answers what it received, read once it stopped; the applier goes on.
    /// Empty when the server has no replication channel.
    /// </summary>
    Task<(string ReceivedGtidSet, CommandOutcome Outcome)> StopReceivingAsync(ServerEndpoint server, ServerCredentials admin,
        CancellationToken cancellation);

    /// <summary>
    /// Makes the server a writable primary without losing what it received: the receiver stopped first, then every
    /// transaction it received applied (for at most <paramref name="relayLogTimeout"/>), then replication stopped and
    /// forgotten and read-only off. Past the timeout it refuses, with the receiver started again: not promoted.
    /// </summary>
    Task<(string ReceivedGtidSet, CommandOutcome Outcome)> PromoteAsync(ServerEndpoint server, ServerCredentials admin, TimeSpan relayLogTimeout,
        CancellationToken cancellation);

    /// <summary>Waits until the server has applied <paramref name="gtidSet"/>; false when the timeout came first.</summary>
    Task<(bool Reached, CommandOutcome Outcome)> WaitForGtidAsync(ServerEndpoint server, ServerCredentials admin, string gtidSet,
        TimeSpan timeout, CancellationToken cancellation);

    /// <summary>
    /// Semi-synchronous replication on or off on the server, waiting for acknowledgements <paramref name="asMaster"/>
    /// or giving them; a running receiver is restarted to take the setting up.
    /// </summary>
    Task<CommandOutcome> ConfigureSemiSyncAsync(ServerEndpoint server, ServerCredentials admin, SemiSyncSettings settings, bool asMaster,
        CancellationToken cancellation);

    /// <summary>The server's position and writability, changing nothing.</summary>
    Task<CommandOutcome> DescribeAsync(ServerEndpoint server, ServerCredentials admin, CancellationToken cancellation);

    /// <summary>
    /// Waits until no client transaction is open, for at most <paramref name="timeout"/>; answers the ones still
    /// open then (empty when none), as "id user age-seconds" descriptions.
    /// </summary>
    Task<IReadOnlyList<string>> WaitForOpenTransactionsAsync(ServerEndpoint server, ServerCredentials admin, TimeSpan timeout,
        CancellationToken cancellation);

    /// <summary>
    /// Ends every client session except our own, the spared users' and the server's own threads (replication, scheduler),
    /// and waits until they are gone.
    /// </summary>
    Task<(int Killed, CommandOutcome Outcome)> KillClientConnectionsAsync(ServerEndpoint server, ServerCredentials admin,
        IReadOnlySet<string> sparedUsers, CancellationToken cancellation);

    /// <summary>
    /// Makes a master stop committing, whoever its users are: read_only on (which binds users without READ ONLY
    /// ADMIN), then every client session but the spared users' ended, round after round until none is left (which
    /// stops those read_only does not bind, and any transaction still open), then the position read. The outcome's GTID
    /// set is the frozen set; the report says how many sessions ended and which were still connected at the end.
    /// </summary>
    Task<(FreezeReport Report, CommandOutcome Outcome)> FreezeAsync(ServerEndpoint server, ServerCredentials admin,
        IReadOnlySet<string> sparedUsers, CancellationToken cancellation);
}

/// <summary>The server refused or could not be reached; the message says which and why.</summary>
public sealed class ReplicationCommandException(ServerEndpoint server, string statement, string reason, Exception? inner = null)
    : Exception($"{server}: {statement} failed: {reason}", inner)
{
    public ServerEndpoint Server { get; } = server;
}
