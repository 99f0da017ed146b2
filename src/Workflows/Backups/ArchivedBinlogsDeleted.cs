namespace MySqlHa.Workflows.Backups;

/// <summary>
/// Retention deleted archived binlog files from the repository: their <paramref name="Keys"/>, <paramref name="Bytes"/>
/// in all, every one wholly at or before <paramref name="HorizonGtids"/>, the GTID position of the oldest kept backup,
/// so that no restore from a kept backup needs them. <paramref name="Instance"/>'s agent archives and deleted them.
/// Each pruning is a stream of its own, its id the pruning's; the cluster's id tags it for the audit query.
/// </summary>
public sealed record ArchivedBinlogsDeleted(
    Guid PruningId,
    Guid ClusterId,
    string Instance,
    Guid OldestKeptBackupId,
    string HorizonGtids,
    IReadOnlyList<string> Keys,
    long Bytes,
    DateTimeOffset DeletedAt);
