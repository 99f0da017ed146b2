using MySqlHa.Replication.Servers;

namespace MySqlHa.Workflows.Clusters;

// Cluster-stream events of long operations (switchover, later failover and recovery): they make one operation per
// cluster at a time, hold traffic while the master changes, and change the roles when it has.

/// <summary>An operation took the cluster; no other may start until <see cref="OperationEnded"/>.</summary>
public sealed record OperationStarted(Guid ClusterId, Guid OperationId, string Kind, DateTimeOffset StartedAt);

/// <summary>Proxies hold new read-write connections from here until the master has changed or the attempt is abandoned.</summary>
public sealed record TrafficHeld(Guid ClusterId, Guid OperationId, DateTimeOffset HeldAt);

/// <summary>The roles changed: <paramref name="NewMaster"/> leads, <paramref name="OldMaster"/> follows it in the role the new master had.</summary>
public sealed record MasterSwitched(
    Guid ClusterId,
    Guid OperationId,
    string OldMaster,
    string NewMaster,
    InstanceRole OldMasterRole,
    bool Mutual,
    string NewMasterGtidExecuted,
    string? NewMasterBinlogFile,
    long? NewMasterBinlogPosition,
    DateTimeOffset SwitchedAt);

public sealed record OperationEnded(Guid ClusterId, Guid OperationId, string Outcome, DateTimeOffset EndedAt);
