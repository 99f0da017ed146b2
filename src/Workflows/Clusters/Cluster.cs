using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Restores;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// A managed cluster as our records hold it (not as the servers report it: see DiscoveredTopology). Rebuilt from
/// the cluster's event stream; <paramref name="Version"/> counts its events, so it only ever increases.
/// </summary>
public sealed record Cluster(
    Guid Id,
    string Name,
    DatabaseFlavor Flavor,
    IReadOnlyList<ClusterInstance> Instances,
    ServerCredentials AdminCredentials,
    ServerCredentials? ReplicationCredentials,
    DateTimeOffset RegisteredAt,
    long Version)
{
    /// <summary>The operation (switchover, ...) that holds the cluster, if any.</summary>
    public Guid? RunningOperation { get; init; }

    /// <summary>When the running operation should have ended by (see OperationOverdue).</summary>
    public DateTimeOffset? RunningOperationDeadline { get; init; }

    /// <summary>The running operation's kind (switchover, failover) and when it took the cluster, for its metrics when it ends.</summary>
    public string? RunningOperationKind { get; init; }

    public DateTimeOffset? RunningOperationStartedAt { get; init; }

    /// <summary>True while a switch holds traffic: proxies queue new read-write connections.</summary>
    public bool Switching { get; init; }

    /// <summary>How this cluster fails over (see the failover policy API).</summary>
    public FailoverPolicy FailoverPolicy { get; init; } = FailoverPolicy.Default;

    /// <summary>Semi-synchronous replication as last configured through the API (off until then).</summary>
    public SemiSyncSettings SemiSync { get; init; } = SemiSyncSettings.Off;

    /// <summary>Fallbacks to asynchronous replication, forced ones and stalled commits, as the monitor and switches recorded them.</summary>
    public SemiSyncHealth SemiSyncHealth { get; init; } = SemiSyncHealth.Unknown;

    /// <summary>After a failover, automatic recovery waits until then, or until an operator acknowledges.</summary>
    public DateTimeOffset? AutomaticFailoverBlockedUntil { get; init; }

    /// <summary>The backup running on the cluster, if any: one at a time, and never in the way of a switchover or failover.</summary>
    public Guid? RunningBackup { get; init; }

    /// <summary>How many backups are kept, and when scheduled ones are taken (see the backup policy API).</summary>
    public BackupPolicy BackupPolicy { get; init; } = BackupPolicy.Default;

    /// <summary>The restores running into instances of the cluster, by instance: one at a time into each.</summary>
    public IReadOnlyDictionary<string, Guid> RunningRestores { get; init; } = new Dictionary<string, Guid>();

    /// <summary>When the backup policy was last set: a scheduled backup of an older policy is dropped.</summary>
    public DateTimeOffset? BackupPolicySetAt { get; init; }

    public ClusterInstance? Master => Instances.FirstOrDefault(i => i.Role == InstanceRole.Master);

    public ClusterInstance? Standby => Instances.FirstOrDefault(i => i.Role == InstanceRole.Standby);

    public ClusterInstance? Find(string name) => Instances.FirstOrDefault(i => i.Name == name);

    public IReadOnlyList<NamedEndpoint> Members => Instances.Select(i => new NamedEndpoint(i.Name, i.Endpoint)).ToList();

    public static Cluster Create(ClusterRegistered registered) => new(
        registered.ClusterId,
        registered.Name,
        registered.Flavor,
        registered.Instances.Select(i => ClusterInstance.Unregistered(i.Name, i.Endpoint, version: 1)).ToList(),
        registered.AdminCredentials,
        registered.ReplicationCredentials,
        registered.RegisteredAt,
        Version: 1);

    public static Cluster Apply(InstanceRegistered e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { Role = e.Role, ReplicationActive = false, Paused = false });

    public static Cluster Apply(InstanceUnregistered e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => ClusterInstance.Unregistered(i.Name, i.Endpoint, i.ChangedAtVersion));

    public static Cluster Apply(ReplicationActivated e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { ReplicationActive = true });

    public static Cluster Apply(ReplicationDetached e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { ReplicationActive = false, Paused = false });

    public static Cluster Apply(InstancePaused e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { Paused = true });

    public static Cluster Apply(InstanceResumed e, Cluster cluster) =>
        cluster.Operate(e.Instance, i => i with { Paused = false });

    public static Cluster Apply(InstanceStatusChanged e, Cluster cluster) =>
        cluster.Change(e.Instance, i => i with { Status = e.To, StatusReason = e.Reason, StatusSince = e.ObservedAt });

    public static Cluster Apply(OperationStarted e, Cluster cluster) =>
        cluster with
        {
            RunningOperation = e.OperationId, RunningOperationDeadline = e.Deadline, RunningOperationKind = e.Kind, RunningOperationStartedAt = e.StartedAt,
            Version = cluster.Version + 1,
        };

    public static Cluster Apply(TrafficHeld e, Cluster cluster) =>
        cluster with { Switching = true, Version = cluster.Version + 1 };

    public static Cluster Apply(OperationEnded e, Cluster cluster) => cluster.Released();

    public static Cluster Apply(OperationReleased e, Cluster cluster) => cluster.Released();

    public static Cluster Apply(OperationOverdue e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(MasterSwitched e, Cluster cluster)
    {
        var switched = cluster
            .Operate(e.NewMaster, i => i with { Role = InstanceRole.Master, ReplicationActive = e.Mutual, Paused = false })
            .Operate(e.OldMaster, i => i with { Role = e.OldMasterRole, ReplicationActive = true, Paused = false });
        return switched with { Switching = false, Version = cluster.Version + 1 };
    }

    public static Cluster Apply(FailoverPolicyChanged e, Cluster cluster) =>
        cluster with { FailoverPolicy = e.Policy, Version = cluster.Version + 1 };

    public static Cluster Apply(MasterUnreachable e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(AutomaticFailoverWithheld e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(InstanceFenced e, Cluster cluster) => cluster.Operate(e.Instance, i => i with { Fenced = true });

    public static Cluster Apply(InstanceUnfenced e, Cluster cluster) => cluster.Operate(e.Instance, i => i with { Fenced = false });

    public static Cluster Apply(SemiSyncConfigured e, Cluster cluster) => cluster with
    {
        SemiSync = new SemiSyncSettings(e.Enabled, TimeSpan.FromMilliseconds(e.TimeoutMilliseconds)),
        SemiSyncHealth = SemiSyncHealth.Apply(e, cluster.Version + 1),
        Version = cluster.Version + 1,
    };

    public static Cluster Apply(SemiSyncFellBack e, Cluster cluster) =>
        cluster with { SemiSyncHealth = cluster.SemiSyncHealth.Apply(e), Version = cluster.Version + 1 };

    public static Cluster Apply(SemiSyncRestored e, Cluster cluster) =>
        cluster with { SemiSyncHealth = cluster.SemiSyncHealth.Apply(e), Version = cluster.Version + 1 };

    public static Cluster Apply(SemiSyncFallbackForced e, Cluster cluster) =>
        cluster with { SemiSyncHealth = cluster.SemiSyncHealth.Apply(e), Version = cluster.Version + 1 };

    public static Cluster Apply(SemiSyncCommitsStalled e, Cluster cluster) =>
        cluster with { SemiSyncHealth = cluster.SemiSyncHealth.Apply(e), Version = cluster.Version + 1 };

    public static Cluster Apply(SemiSyncCommitsResumed e, Cluster cluster) =>
        cluster with { SemiSyncHealth = cluster.SemiSyncHealth.Apply(e), Version = cluster.Version + 1 };

    public static Cluster Apply(FencedInstanceMadeReadOnly e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(WritableInvariantViolated e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(MasterFailedOver e, Cluster cluster)
    {
        var failedOver = cluster
            .Operate(e.NewMaster, i => i with { Role = InstanceRole.Master, ReplicationActive = false, Paused = false })
            .Operate(e.OldMaster, i => i with { Role = InstanceRole.Replica, ReplicationActive = false, Paused = false, Fenced = true });
        return failedOver with { Switching = false, Version = cluster.Version + 1 };
    }

    public static Cluster Apply(AutomaticFailoverBlocked e, Cluster cluster) =>
        cluster with { AutomaticFailoverBlockedUntil = e.Until, Version = cluster.Version + 1 };

    public static Cluster Apply(FailoverAcknowledged e, Cluster cluster) =>
        cluster with { AutomaticFailoverBlockedUntil = null, Version = cluster.Version + 1 };

    public static Cluster Apply(ClusterBackupStarted e, Cluster cluster) =>
        cluster with { RunningBackup = e.BackupId, Version = cluster.Version + 1 };

    public static Cluster Apply(ClusterBackupEnded e, Cluster cluster) =>
        cluster with { RunningBackup = cluster.RunningBackup == e.BackupId ? null : cluster.RunningBackup, Version = cluster.Version + 1 };

    public static Cluster Apply(BackupPolicySet e, Cluster cluster) =>
        cluster with { BackupPolicy = e.Policy, BackupPolicySetAt = e.SetAt, Version = cluster.Version + 1 };

    public static Cluster Apply(ScheduledBackupSkipped e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(Verifications.ScheduledVerificationSkipped e, Cluster cluster) => cluster with { Version = cluster.Version + 1 };

    public static Cluster Apply(InstanceRestoreStarted e, Cluster cluster) => cluster with
    {
        RunningRestores = new Dictionary<string, Guid>(cluster.RunningRestores) { [e.Instance] = e.RestoreId },
        Version = cluster.Version + 1,
    };

    public static Cluster Apply(InstanceRestoreEnded e, Cluster cluster) => cluster with
    {
        RunningRestores = cluster.RunningRestores.Where(r => r.Value != e.RestoreId).ToDictionary(),
        Version = cluster.Version + 1,
    };

    private Cluster Released() => this with
    {
        RunningOperation = null, RunningOperationDeadline = null, RunningOperationKind = null, RunningOperationStartedAt = null, Switching = false,
        Version = Version + 1,
    };

    /// <summary>An operation on the instance: besides the change, it marks the version from which probes count.</summary>
    private Cluster Operate(string instance, Func<ClusterInstance, ClusterInstance> change) =>
        Change(instance, i => change(i) with { ChangedAtVersion = Version + 1 });

    private Cluster Change(string instance, Func<ClusterInstance, ClusterInstance> change) => this with
    {
        Instances = Instances.Select(i => i.Name == instance ? change(i) : i).ToList(),
        Version = Version + 1,
    };
}
