using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Monitoring;

/// <summary>The monitor's verdict on one instance, with the reason a person needs to act on it.</summary>
public sealed record StatusVerdict(InstanceStatus Status, string? Reason);

/// <summary>
/// LAIN mysql-service's status rules, made explicit. Pure: our records plus one probe in, one verdict out.
/// <list type="bullet">
/// <item>FENCED: a failed master taken out of service by a failover, whatever it says.</item>
/// <item>UNREGISTERED: no role. ERROR: unreachable, or not doing what its role requires.</item>
/// <item>PAUSED: paused by an operator. DETACHED: a standby or replica we have not activated.</item>
/// <item>LOST: replicating from a server other than the registered master (it missed a switch).</item>
/// <item>SYNCING: replicating from the master, connected, behind by more than the lag threshold. OK otherwise.</item>
/// </list>
/// </summary>
public static class InstanceStatusRules
{
    public static StatusVerdict Evaluate(Cluster cluster, ClusterInstance instance, ProbeResult probe, MonitorOptions options)
    {
        if (instance.Role == InstanceRole.Unregistered) return new(InstanceStatus.Unregistered, null);
        if (instance.Fenced)
            return new(InstanceStatus.Fenced, probe.Snapshot is not { } seen ? "failed master, fenced; unreachable"
                : seen.ReadOnly ? "failed master, fenced and read-only; repair it, then unregister and register it again"
                : "failed master, fenced, but WRITABLE: being made read-only");
        if (probe.Snapshot is not { } snapshot) return new(InstanceStatus.Error, $"unreachable: {probe.Failure}");
        if (instance.Paused) return new(InstanceStatus.Paused, null);
        return instance.Role == InstanceRole.Master
            ? EvaluateMaster(cluster, instance, snapshot, options)
            : EvaluateFollower(cluster, instance, snapshot, options);
    }

    private static StatusVerdict EvaluateMaster(Cluster cluster, ClusterInstance master, ServerSnapshot snapshot, MonitorOptions options)
    {
        if (snapshot.ReadOnly) return new(InstanceStatus.Error, "the master is read-only and was not paused");
        if (!master.ReplicationActive) return new(InstanceStatus.Ok, null);
        // Mutual master-standby: the master's reverse channel from the standby is judged like any replica's.
        return cluster.Standby is { } standby
            ? ReplicationVerdict(snapshot, standby, options)
            : new(InstanceStatus.Error, "the reverse channel is active but no standby is registered");
    }

    private static StatusVerdict EvaluateFollower(Cluster cluster, ClusterInstance follower, ServerSnapshot snapshot, MonitorOptions options)
    {
        if (!follower.ReplicationActive)
            return snapshot.Replication is { } outside
                ? new(InstanceStatus.Detached, $"not under our control; replicates from {outside.Source}")
                : new(InstanceStatus.Detached, null);
        if (cluster.Master is not { } master) return new(InstanceStatus.Lost, "no master is registered");
        return ReplicationVerdict(snapshot, master, options);
    }

    private static StatusVerdict ReplicationVerdict(ServerSnapshot snapshot, ClusterInstance expectedSource, MonitorOptions options)
    {
        if (snapshot.Replication is not { } replication) return new(InstanceStatus.Error, "replication is not configured on the server");
        if (!expectedSource.Endpoint.Matches(replication.Source.Host, replication.Source.Port))
            return new(InstanceStatus.Lost, $"replicates from {replication.Source}, not from {expectedSource.Name} ({expectedSource.Endpoint})");
        if (replication.SqlThread != ReplicationThreadState.Running)
            return new(InstanceStatus.Error, $"the SQL thread is stopped{Detail(replication.LastSqlError)}");
        if (replication.IoThread != ReplicationThreadState.Running)
            return new(InstanceStatus.Error, $"the IO thread is {replication.IoThread.ToString().ToLowerInvariant()}{Detail(replication.LastIoError)}");
        if (replication.SecondsBehindSource is { } behind && behind > options.LagThreshold.TotalSeconds)
            return new(InstanceStatus.Syncing, $"{behind} s behind {expectedSource.Name}");
        return new(InstanceStatus.Ok, null);
    }

    private static string Detail(string error) => string.IsNullOrEmpty(error) ? "" : $": {error}";
}
