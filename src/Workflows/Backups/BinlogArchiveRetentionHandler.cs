using Marten;
using Microsoft.Extensions.Logging;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Agents;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// Prunes the binlog archive after backup retention: the agent that archives (the holder of the archiver key) drops
/// from its index and deletes what lies wholly before the oldest kept backup, and each pruning that deleted something
/// is recorded. The archive is best kept, never a reason to fail: when no agent archives, or the archiver cannot be
/// reached or refuses, nothing is deleted, and the next retention (after the next backup) tries again.
/// </summary>
public static partial class BinlogArchiveRetentionHandler
{
    public static async Task Handle(PruneBinlogArchive prune, IDocumentSession session, AgentClient agents, ILogger<PruneBinlogArchive> logger,
        CancellationToken cancellation)
    {
        // A retried message whose pruning was recorded already: the agent would answer the same deletions again.
        if (await session.Events.FetchStreamStateAsync(prune.PruningId, cancellation) is not null) return;
        if (await agents.ArchiverAsync(prune.Cluster, cancellation) is not { } archiver)
        {
            LogNoArchiver(logger, prune.Cluster);
            return;
        }
        var reply = await agents.PruneArchiveAsync(prune.Cluster, archiver, new PruneArchiveRequest(prune.PruningId, prune.HorizonGtids), cancellation);
        if (reply is not { Succeeded: true, Body: { } pruned })
        {
            LogNotPruned(logger, prune.Cluster, reply.Failure ?? $"{archiver}'s agent answered {reply.Status} without a body");
            return;
        }
        if (pruned.DeletedKeys.Count == 0) return;
        session.Events.StartStream(prune.PruningId, new ArchivedBinlogsDeleted(prune.PruningId, prune.ClusterId, archiver, prune.OldestKeptBackupId,
            pruned.HorizonGtids, pruned.DeletedKeys, pruned.DeletedBytes, pruned.PrunedAt));
        BackupMetrics.ArchivedBinlogsDeleted.WithLabels(prune.Cluster).Inc(pruned.DeletedKeys.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No agent archives the binlogs of {Cluster}: the archive is not pruned")]
    private static partial void LogNoArchiver(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The binlog archive of {Cluster} is not pruned this time: {Reason}")]
    private static partial void LogNotPruned(ILogger logger, string cluster, string reason);
}
