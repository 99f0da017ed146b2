using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// Prunes the archive for the agent that holds the archiver key (see <see cref="ArchiveRetention"/> for what goes):
/// the files leave the index first, with the pruning recorded in the same write, and the repository after. In that
/// order, so that no reader of the index finds a listed file gone; a pruner that stops in between leaves files no
/// index names, and the repeated request deletes them.
/// </summary>
internal sealed partial class ArchivePruner(IBackupRepository repository, ArchiveIndexStore indexStore, TimeProvider clock, ILogger<ArchivePruner> logger)
{
    /// <summary>
    /// <paramref name="hold"/> ends the index change when the archiver key is lost: another agent may write the index
    /// then. The deletions that follow need no hold: no index names those files any more.
    /// </summary>
    public async Task<ArchivePruned> PruneAsync(PruneArchiveRequest request, CancellationToken hold, CancellationToken cancellation)
    {
        ArchivePruned pruned;
        using (var holding = CancellationTokenSource.CreateLinkedTokenSource(hold, cancellation))
            pruned = await indexStore.ChangeAsync(index => ArchiveRetention.Prune(index, request, clock.GetUtcNow()), holding.Token);
        foreach (var key in pruned.DeletedKeys) await repository.DeleteAsync(key, cancellation);
        if (pruned.DeletedKeys.Count > 0) LogPruned(pruned.DeletedKeys.Count, pruned.DeletedBytes, pruned.HorizonGtids, pruned.RequestId);
        return pruned;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Files} archived binlog files ({Bytes} bytes) wholly before [{Horizon}] (request {Request})")]
    private partial void LogPruned(int files, long bytes, string horizon, Guid request);
}
