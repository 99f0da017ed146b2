namespace MySqlHa.Replication.AgentContract;

// The bodies of the agent's commands, as the controller sends them and the agent binds them (JSON web defaults:
// camelCase). Every command names itself with an id chosen by the caller (a saga step's id, say); a retry uses the
// same id. Ids are nullable because the agent answers a missing one with 400 rather than failing to bind.

public sealed record CommandRequest(string? CommandId);

/// <summary>
/// MoHA's "if master" commands. A master in a mutual master-standby pair replicates from its standby, which locally
/// looks like a replica: the controller, which knows the pair, says so with <paramref name="Mutual"/>.
/// </summary>
public sealed record MasterCommandRequest(string? CommandId, bool Mutual = false);

/// <summary>Replicate from this source with GTID auto-positioning, with the replication user from the agent's own secrets.</summary>
public sealed record ChangeMasterRequest(string? CommandId, string? SourceHost, int SourcePort);

/// <summary>Stop the replication threads; with <paramref name="ForgetSource"/> also drop the channel (an operator's detach).</summary>
public sealed record StopReplicationRequest(string? CommandId, bool ForgetSource = false);

/// <summary>
/// Semi-synchronous replication on or off on the agent's server (wait point AFTER_SYNC): waiting for acknowledgements
/// <paramref name="AsMaster"/>, or giving them; after <paramref name="TimeoutMilliseconds"/> without one the master
/// falls back to asynchronous replication (uint.MaxValue: never, in practice).
/// </summary>
public sealed record ConfigureSemiSyncRequest(string? CommandId, bool Enabled, long TimeoutMilliseconds, bool AsMaster);

/// <summary>
/// Promote without losing what was received: the receiver stops, everything it received is applied (for at most
/// <paramref name="RelayLogTimeoutSeconds"/>, else refused), then replication is forgotten and writes allowed.
/// </summary>
public sealed record PromoteRequest(string? CommandId, double RelayLogTimeoutSeconds);

public sealed record WaitForGtidRequest(string? CommandId, string? GtidSet, double TimeoutSeconds);

public sealed record WaitForTransactionsRequest(string? CommandId, double TimeoutSeconds);

public sealed record KillConnectionsRequest(string? CommandId, IReadOnlyList<string>? SpareUsers);

/// <summary>A program from the agent's AllowedCommands with its arguments (no shell), bounded in time.</summary>
public sealed record RunRequest(string? CommandId, IReadOnlyList<string>? Arguments, double TimeoutSeconds);
