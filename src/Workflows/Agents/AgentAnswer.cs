using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;

namespace MySqlHa.Workflows.Agents;

/// <summary>
/// What an agent answered to a command: success with its result, or the reason it did not do the command.
/// <paramref name="Unreachable"/>: no agent could be reached at all (its lease is gone, or its host refused the
/// connection), as opposed to an agent that answered a refusal or was too slow.
/// </summary>
public sealed record AgentAnswer<TDetail>(bool Succeeded, int Status, AgentCommandResult<TDetail>? Result, string? Failure, bool Unreachable = false)
    where TDetail : class
{
    /// <summary>The server's position and read_only as the command left it.</summary>
    public CommandOutcome? Outcome => Result?.Outcome;

    /// <summary>What is particular to the command (the freeze's report, the promotion's received set, ...).</summary>
    public TDetail? Detail => Result?.Detail;

    public string? GtidExecuted => Outcome?.GtidExecuted;

    public string? BinlogFile => Outcome?.BinlogFile;

    public long? BinlogPosition => Outcome?.BinlogPosition;

    public bool? ReadOnly => Outcome?.ReadOnly;
}

/// <summary>
/// What an agent answered to a call that is neither a command nor a job: its answer, or why there is none
/// (<paramref name="Unreachable"/> as for commands).
/// </summary>
public sealed record AgentReply<T>(bool Succeeded, int Status, T? Body, string? Failure, bool Unreachable = false) where T : class;
