namespace MySqlHa.Agent.Commands;

// Every command names itself with an id chosen by the caller (a saga step's id, say); a retry uses the same id.

public sealed record CommandRequest(string? CommandId);

/// <summary>Replicate from this source with GTID auto-positioning, with the replication user from the agent's own secrets.</summary>
public sealed record ChangeMasterRequest(string? CommandId, string? SourceHost, int SourcePort);

public sealed record WaitForGtidRequest(string? CommandId, string? GtidSet, double TimeoutSeconds);

public sealed record KillConnectionsRequest(string? CommandId, IReadOnlyList<string>? SpareUsers);

/// <summary>A program from the agent's AllowedCommands with its arguments (no shell), bounded in time.</summary>
public sealed record RunRequest(string? CommandId, IReadOnlyList<string>? Arguments, double TimeoutSeconds);
