namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// POST /archive/prune: delete the archived binlogs a restore from the oldest kept backup cannot need.
/// <paramref name="HorizonGtids"/> is that backup's GTID position; <paramref name="RequestId"/> makes the call
/// idempotent: repeated, it is answered what it did the first time.
/// </summary>
public sealed record PruneArchiveRequest(Guid RequestId, string HorizonGtids);

/// <summary>
/// What a pruning removed from the archive's index and the repository: the files' keys and their archived bytes
/// (none when nothing was older than the horizon).
/// </summary>
public sealed record ArchivePruned(Guid RequestId, string HorizonGtids, IReadOnlyList<string> DeletedKeys, long DeletedBytes, DateTimeOffset PrunedAt);
