namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// One binlog file in the archive, as its index records it: whose file (the master's server_id), where it is in the
/// repository, the GTID state at its start (its Gtid_list event) and the last GTID of each domain in it (empty when
/// it holds no transaction), its first and last event times and the size archived so far. <see cref="Finished"/> once
/// the master rotated past it; until then the archive holds a prefix of it, replaced every few seconds.
/// </summary>
public sealed record ArchivedBinlogFile(
    string Server,
    string File,
    string Key,
    string StartGtids,
    string LastGtids,
    DateTimeOffset? FirstEventAt,
    DateTimeOffset? LastEventAt,
    long Size,
    bool Finished);

/// <summary>
/// The archive's index, <c>{cluster}/binlogs/index.json</c> in the repository, written whole. <see cref="Prunings"/>
/// are the latest prunings, recorded in the same write that dropped their files, so that a repeated request is
/// answered what was deleted even after the agent restarted (null in an index written before prunings existed).
/// </summary>
public sealed record BinlogArchiveIndex(IReadOnlyList<ArchivedBinlogFile> Files, DateTimeOffset UpdatedAt, IReadOnlyList<ArchivePruned>? Prunings = null)
{
    public static readonly BinlogArchiveIndex Empty = new([], DateTimeOffset.MinValue);
}

/// <summary>The sequence numbers <see cref="First"/> to <see cref="Last"/> (both included) of one GTID domain.</summary>
public sealed record GtidRange(long Domain, long First, long Last);

/// <summary>
/// The answer of the agent's GET /archive. <see cref="Archiving"/>: this agent holds the cluster's archiver key and
/// streams from <see cref="Master"/>. The rest describes the archive in the repository as every agent sees it:
/// the GTIDs its files cover (per domain, merged), the ranges missing between them, the files the index lists but
/// the repository no longer holds, and the newest archived event's time.
/// </summary>
public sealed record BinlogArchiveStatus(
    bool Enabled,
    bool Archiving,
    string? Master,
    int FilesArchived,
    IReadOnlyList<GtidRange> Archived,
    IReadOnlyList<GtidRange> Gaps,
    IReadOnlyList<string> MissingFiles,
    DateTimeOffset? NewestEventAt,
    string? LastError);
