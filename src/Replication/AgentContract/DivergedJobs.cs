namespace MySqlHa.Replication.AgentContract;

// Rejoining an old master that holds transactions the new master lacks (issue 16): the agent first extracts them into
// the repository for an operator to review and re-apply, then, where MariaDB can, undoes them by flashback so that
// the server's data and GTID position are the master's history again and it can replicate from the new master.

/// <summary>
/// Extracts the transactions the agent's (read-only) server holds beyond <paramref name="MasterGtidExecuted"/> (the
/// current master's @@gtid_binlog_state, or its @@gtid_binlog_pos when it wrote nothing since the failover) into the
/// repository as extraction <paramref name="ExtractionId"/>.
/// </summary>
public sealed record ExtractDivergedRequest(string? CommandId, string? MasterGtidExecuted, Guid ExtractionId);

/// <summary>
/// Undoes by flashback the transactions extraction <paramref name="ExtractionId"/> found, which must still be exactly
/// <paramref name="ExtraGtids"/>, and sets the server's GTID state to the history it shares with the master.
/// </summary>
public sealed record FlashbackRequest(string? CommandId, Guid ExtractionId, string? ExtraGtids);

/// <summary>
/// What an extraction found: <paramref name="ExtraGtids"/> lists every transaction the server holds that the master
/// lacks, one GTID each, in binlog order (empty when there is none); <paramref name="SharedPosition"/> is the last
/// GTID per domain the master holds too, where the server's history leaves the master's. The keys name the artifacts:
/// the binlog events as mariadb-binlog prints them (base64 BINLOG statements, which the mariadb client re-applies
/// exactly), the same transactions as readable pseudo-SQL, and this summary as JSON; null when nothing was extra.
/// </summary>
public sealed record DivergedTransactions(
    Guid ExtractionId,
    string MasterGtidExecuted,
    IReadOnlyList<string> ExtraGtids,
    string SharedPosition,
    int TransactionCount,
    DateTimeOffset? FirstEventAt,
    DateTimeOffset? LastEventAt,
    string? EventsKey,
    string? SqlKey,
    string SummaryKey);
