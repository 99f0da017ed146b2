using MySqlHa.Replication.Commands;

namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// The answer to a command: what the server looked like once it was done (positions included), details particular
/// to the command (<see cref="NoDetail"/> for commands that have none: <c>detail</c> is then null), and whether this
/// answer is a replay of an earlier execution with the same command id. The agent journals it as it answers it.
/// </summary>
public sealed record AgentCommandResult<TDetail>(
    string CommandId,
    string Command,
    CommandOutcome? Outcome,
    TDetail? Detail,
    DateTimeOffset CompletedAt,
    bool Replayed = false)
    where TDetail : class;
