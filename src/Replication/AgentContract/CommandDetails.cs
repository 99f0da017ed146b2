using System.Text.Json.Serialization;

namespace MySqlHa.Replication.AgentContract;

// The "detail" of each command's answer (FreezeReport and FenceAnswer are the freeze's and the fence's).

/// <summary>The detail of a command that has none: it is answered as null.</summary>
public sealed record NoDetail;

/// <summary>stop-receiving and promote: the GTID set the IO thread had received, read once it stopped.</summary>
public sealed record ReceivedGtids(string ReceivedGtidSet);

/// <summary>wait-for-gtid: whether the set was applied before the timeout.</summary>
public sealed record GtidWait(bool Reached, string GtidSet);

/// <summary>wait-for-transactions: the transactions still open at the timeout ("thread user age"), empty once none is.</summary>
public sealed record OpenTransactions(IReadOnlyList<string> Open);

/// <summary>change-master: the source the server now replicates from, as host:port.</summary>
public sealed record SourceChanged(string Source);

/// <summary>kill-connections: how many client sessions were ended.</summary>
public sealed record ConnectionsKilled(int Killed);

/// <summary>run: one line of the program's output, as one NDJSON line of the answer's stream; <paramref name="Stream"/> is stdout or stderr.</summary>
public sealed record RunOutputLine(string Stream, string Line);

/// <summary>
/// run: the last NDJSON line of a program's output stream, and the journaled detail of the run; a retry of a run
/// that ended already gets it again with <paramref name="Replayed"/> (only then written).
/// </summary>
public sealed record RunSummary(int ExitCode, bool Cancelled, double DurationMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Replayed = false);
