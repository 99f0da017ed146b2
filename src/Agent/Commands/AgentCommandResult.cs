using System.Text.Json.Nodes;
using MySqlHa.Replication.Commands;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// The answer to a command: what the server looked like once it was done (positions included), details particular
/// to the command, and whether this answer is a replay of an earlier execution with the same command id.
/// </summary>
public sealed record AgentCommandResult(
    string CommandId,
    string Command,
    CommandOutcome? Outcome,
    JsonObject? Detail,
    DateTimeOffset CompletedAt,
    bool Replayed = false);
