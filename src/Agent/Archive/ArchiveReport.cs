using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// GET /archive: this agent's part (does it archive, which master) and the archive as the repository holds it. Only
/// files still in the repository count: a file the index lists but that was deleted leaves a gap, as it would for a restore.
/// </summary>
internal static class ArchiveReport
{
    public static async Task<BinlogArchiveStatus> DescribeAsync(AgentSettings settings, ArchiveState state, IBackupRepository? repository,
        CancellationToken cancellation)
    {
        if (repository is null)
            return new BinlogArchiveStatus(settings.Archive.Enabled, false, null, 0, [], [], [], null, state.LastError);
        var index = await BinlogArchiveIndexes.ReadAsync(repository, settings.Cluster, cancellation);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in repository.ListAsync(BackupKeys.BinlogFolder(settings.Cluster), cancellation)) present.Add(item.Key);
        var kept = index.Files.Where(f => present.Contains(f.Key)).ToList();
        var covered = ArchiveCoverage.Covered(kept);
        return new BinlogArchiveStatus(
            settings.Archive.Enabled,
            state.Archiving,
            state.Master,
            kept.Count,
            covered,
            ArchiveCoverage.Gaps(covered),
            [.. index.Files.Where(f => !present.Contains(f.Key)).Select(f => f.Key)],
            kept.Max(f => f.LastEventAt),
            state.LastError);
    }
}
