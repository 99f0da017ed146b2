using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Workflows.Monitoring;

/// <summary>
/// Decides, from our record and the master's latest probe, which semi-sync transition to record: none, a fallback to
/// asynchronous, its end, or commits stalled on a master configured never to fall back and their end. Pure: the
/// record says what was already recorded, so a transition is recorded once, whichever process leads and however
/// many rounds see it.
/// </summary>
public static class SemiSyncRules
{
    public static IReadOnlyList<object> Decide(Cluster cluster, InstanceObservation? masterObservation, MonitorOptions options)
    {
        var health = cluster.SemiSyncHealth;
        // An operation moves the roles while it runs (the old master stops waiting before the new one is recorded):
        // what a probe sees then is the operation's doing, judged once it has ended.
        if (!cluster.SemiSync.Enabled || cluster.RunningOperation is not null || cluster.Master is not { } master) return [];
        if (masterObservation is not { Probe.Snapshot: { SemiSync: { } semiSync } snapshot } observation) return [];
        // A probe begun before the last configuration, or before the instance became master, describes the settings before.
        if (observation.ClusterVersion < Math.Max(master.ChangedAtVersion, health.ConfiguredAtVersion)) return [];

        var events = new List<object>();
        var fallenBack = !semiSync.MasterOn;
        if (fallenBack && health.FallenBackOn != master.Name)
            events.Add(new SemiSyncFellBack(cluster.Id, master.Name,
                semiSync.MasterEnabled ? "no replica acknowledged within the timeout: the master commits asynchronously"
                    : "semi-sync is not enabled on the server (restarted?): it commits asynchronously until semi-sync is configured again",
                semiSync.MasterEnabled, semiSync.Clients, semiSync.NoTransactions, semiSync.YesTransactions, snapshot.GtidExecuted, snapshot.ObservedAt));
        else if (!fallenBack && health.FallenBackOn is not null)
            events.Add(new SemiSyncRestored(cluster.Id, master.Name, semiSync.Clients, semiSync.NoTransactions, semiSync.YesTransactions,
                snapshot.GtidExecuted, snapshot.ObservedAt));

        var neverFallsBack = !cluster.SemiSync.FallsBack && health.Forced is null;
        var stalled = neverFallsBack && observation.SemiSyncStalledSince is { } since && snapshot.ObservedAt - since >= options.SemiSyncStallAlertAfter;
        if (stalled && health.StalledOn != master.Name)
            events.Add(new SemiSyncCommitsStalled(cluster.Id, master.Name, semiSync.WaitSessions, semiSync.Clients, observation.SemiSyncStalledSince!.Value,
                snapshot.ObservedAt));
        else if (observation.SemiSyncStalledSince is null && health.StalledOn is not null)
            events.Add(new SemiSyncCommitsResumed(cluster.Id, health.StalledOn, semiSync.WaitSessions, semiSync.Clients, snapshot.ObservedAt));
        return events;
    }

    /// <summary>Commits wait and no replica is there to acknowledge them: since the first probe that saw it, or null.</summary>
    public static DateTimeOffset? StalledSince(Replication.Status.ServerSnapshot? snapshot, InstanceObservation? previous) =>
        snapshot?.SemiSync is { MasterOn: true, Clients: 0, WaitSessions: > 0 }
            ? previous?.SemiSyncStalledSince ?? snapshot.ObservedAt
            : null;
}
