using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Verifications;

/// <summary>
/// Whose agent verifies a backup: a healthy replica, else the healthy standby (a verification loads its host with a
/// second server; the standby is kept lighter for a failover); the master only when it is the cluster's only
/// registered instance. Null when none can.
/// </summary>
public static class VerificationSource
{
    public static string? Choose(Cluster cluster)
    {
        var followers = cluster.Instances.Where(i => i.Role is InstanceRole.Replica or InstanceRole.Standby && !i.Fenced && i.Status == InstanceStatus.Ok)
            .OrderBy(i => i.Role == InstanceRole.Replica ? 0 : 1).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        if (followers.Count > 0) return followers[0].Name;
        var registered = cluster.Instances.Where(i => i.Role != InstanceRole.Unregistered).ToList();
        return registered is [{ Role: InstanceRole.Master, Status: InstanceStatus.Ok, Fenced: false } only] ? only.Name : null;
    }
}
