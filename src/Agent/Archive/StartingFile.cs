using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// Where streaming starts on a master: the first of its binlog files that holds a transaction the archive lacks. A
/// file holds the transactions between its start state and the next file's, so it is skipped only when the next file's
/// start is archived in every domain. Files repeated from another server are fine: the index says what each covers.
/// With nothing archived, the oldest file; when even that starts after the archive's end, the oldest too, and the
/// transactions in between show as a gap.
/// </summary>
internal static class StartingFile
{
    public static MasterBinlogFile Choose(IReadOnlyList<MasterBinlogFile> files, BinlogArchiveIndex index)
    {
        if (files.Count == 0) throw new InvalidOperationException("the master has no binary logs (is log_bin on?)");
        if (index.Files.Count == 0) return files[0];
        var archived = ArchiveCoverage.End(index.Files);
        for (var i = 0; i < files.Count - 1; i++)
        {
            var next = ArchiveCoverage.Positions(files[i + 1].StartGtids);
            if (next.Any(domain => domain.Value > archived.GetValueOrDefault(domain.Key))) return files[i];
        }
        return files[^1];
    }
}
