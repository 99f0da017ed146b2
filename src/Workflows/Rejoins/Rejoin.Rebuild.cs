using Marten;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Lifecycle;
using MySqlHa.Workflows.Restores;

namespace MySqlHa.Workflows.Rejoins;

/// <summary>
/// The rebuild branch of a rejoin, taken when flashback cannot bring the instance back: its agent stops the server
/// and moves its data aside (kept for the DBA, never deleted), the instance leaves our records, and a clone of the
/// cluster's newest suitable completed backup (<see cref="RebuildBackup"/>), a restore saga of its own, fills the emptied folders and makes it a replica;
/// the rejoin follows that restore to its end.
/// </summary>
public sealed partial class Rejoin
{
    public string? RebuildReason { get; set; }
    public string? SetAsideFolder { get; set; }
    public Guid? RestoreId { get; set; }
    public Guid? BackupId { get; set; }

    private string SetAsideJobId => $"{Id}:set-aside";

    /// <summary>2b. Flashback cannot bring the instance back: with a backup to rebuild it from, its data is set aside first.</summary>
    public async Task<object> Handle(RebuildFromBackup rebuild, IDocumentSession session, AgentClient agents, TimeProvider clock, CancellationToken cancellation)
    {
        RebuildReason = rebuild.Reason;
        var completed = await session.Query<BackupRecord>().Where(b => b.ClusterId == ClusterId && b.State == BackupRecord.Completed)
            .OrderByDescending(b => b.EndedAt).ToListAsync(cancellation);
        if (RebuildBackup.Choose(completed, MasterGtidState, ExtraGtids) is not { } backup)
            return new EndRejoin(Id, $"{rebuild.Reason}; the cluster has no completed backup to rebuild '{Instance}' from " +
                $"({completed.Count} completed, none from after the master's last transaction of '{Instance}' and before it diverged): take one, then rejoin it again");
        BackupId = backup.Id;
        var answer = await agents.StartSetAsideJobAsync(Cluster, Instance, new SetAsideRequest(SetAsideJobId), cancellation);
        return Started(answer, RejoinJob.SetAside, session, clock);
    }

    /// <summary>
    /// 2c. The instance, stopped and empty, leaves our records (a restore goes only into an unregistered instance) and
    /// a clone of the chosen backup is started into it.
    /// </summary>
    public async Task<object> Handle(CloneChosenBackup _, IDocumentSession session, LifecycleRunner lifecycle, RestoreStarter restores, TimeProvider clock,
        CancellationToken cancellation)
    {
        var instance = (await session.LoadAsync<Cluster>(ClusterId, cancellation))!.Find(Instance)!;
        if (instance.Role != InstanceRole.Unregistered
            && await lifecycle.RunAsync(ClusterId, new UnregisterInstance(Instance), cancellation) is not LifecycleResult.Done)
            return new EndRejoin(Id, $"{RebuildReason}; '{Instance}' could not be unregistered for its rebuild; its old data is in {SetAsideFolder}");
        // The rejoin holds the instance's recovery slot (Cluster.RunningRestores) from its start, so a plain restore
        // would be refused as "running into" it. The slot is handed over instead: the restore's InstanceRestoreStarted
        // replaces the rejoin's id in the same append that checks it, so no other restore or rejoin can slip in
        // between, and the restore frees the slot when it ends (the rejoin's own end then finds it no longer its own).
        // The restore gets what is left of the rejoin's deadline, so that it ends before the rejoin would give up on it.
        var start = await restores.StartAsync(ClusterId, Instance, BackupId, RestoreMode.Clone, RestoreTarget.AtBackup, DeadlineAt - clock.GetUtcNow(),
            cancellation, heldBy: Id);
        if (start.RestoreId is not { } restoreId)
            return new EndRejoin(Id, $"{RebuildReason}; the clone of a backup into '{Instance}' could not start: {start.Refusal}; its old data is in {SetAsideFolder}");
        RestoreId = restoreId;
        session.Events.Append(Id, new RebuildFromBackupStarted(Id, Instance, RebuildReason!, restoreId, start.BackupId!.Value, clock.GetUtcNow()));
        return new CheckRebuild(Id, PollInterval);
    }

    /// <summary>2d. The restore followed (its record, as its saga keeps it) until it ends; a completed clone is an OK replica.</summary>
    public async Task<object?> Handle(CheckRebuild check, IDocumentSession session, ClusterStream clusters, TimeProvider clock, CancellationToken cancellation)
    {
        var restore = await session.LoadAsync<RestoreRecord>(RestoreId!.Value, cancellation);
        switch (restore?.State)
        {
            case RestoreRecord.Completed:
                var now = clock.GetUtcNow();
                session.Events.Append(Id, new DivergedInstanceRebuilt(Id, ClusterId, Instance, restore.Id, restore.BackupId, SetAsideFolder!, restore.FinalGtid!, now));
                await EndAsync(clusters, RejoinRecord.Rebuilt, now, cancellation);
                return null;
            case RestoreRecord.Failed:
                return new EndRejoin(Id, $"{RebuildReason}; the clone of backup {restore.BackupId} into '{Instance}' failed: {restore.Failure}; " +
                                         $"'{Instance}' is unregistered, its old data in {SetAsideFolder}");
            default:
                return check with { };
        }
    }
}
