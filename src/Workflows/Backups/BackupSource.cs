using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Backups;

/// <summary>The instance a backup reads, or why none can be.</summary>
public sealed record BackupSourceChoice(string? Instance, string? Refusal);

/// <summary>
/// Which instance a backup reads: the one asked for, or the standby when it is healthy, else the healthy replica that
/// is least behind; the master only when asked for by name with allowMaster (a backup loads the server it reads).
/// </summary>
public static class BackupSource
{
    public static BackupSourceChoice Choose(Cluster cluster, string? requested, bool allowMaster)
    {
        if (requested is not null)
        {
            if (cluster.Find(requested) is not { } instance) return new(null, $"'{requested}' is not an instance of '{cluster.Name}'.");
            if (instance.Role == InstanceRole.Unregistered) return new(null, $"'{requested}' is not registered.");
            if (instance.Fenced) return new(null, $"'{requested}' is fenced after a failover; its data may have diverged.");
            if (instance.Role == InstanceRole.Master && !allowMaster)
                return new(null, $"'{requested}' is the master; back it up only with allowMaster: true (the standby or a replica spares it).");
            if (instance.Status != InstanceStatus.Ok)
                return new(null, $"'{requested}' is {instance.Status.ToString().ToUpperInvariant()}, not OK: a backup of it may not hold what the cluster holds.");
            return new(requested, null);
        }
        var followers = cluster.Instances.Where(i => i.Role is InstanceRole.Standby or InstanceRole.Replica && !i.Fenced && i.Status == InstanceStatus.Ok)
            .OrderBy(i => i.Role == InstanceRole.Standby ? 0 : 1).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        if (followers.Count > 0) return new(followers[0].Name, null);
        if (allowMaster && cluster.Master is { Status: InstanceStatus.Ok } master) return new(master.Name, null);
        return new(null, "No standby or replica is OK to back up from; allow the master (allowMaster: true) to back it up instead.");
    }
}
