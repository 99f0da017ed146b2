using MySqlHa.Replication.Servers;

namespace MySqlHa.Workflows.Clusters;

// Cluster-stream events of long operations (switchover, later failover and recovery): they make one operation per
// cluster at a time, hold traffic while the master changes, and change the roles when it has.

/// <summary>
/// An operation took the cluster; no other may start until <see cref="OperationEnded"/> (or <see cref="OperationReleased"/>).
/// It should end by <paramref name="Deadline"/> (null in events recorded before operations had one).
/// </summary>
public sealed record OperationStarted(Guid ClusterId, Guid OperationId, string Kind, DateTimeOffset StartedAt, DateTimeOffset? Deadline = null);

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

/// <summary>
/// An administrator released the cluster from an operation that did not end (<paramref name="Reason"/> says why): its saga
/// is deleted, so that nothing it still had to do runs later. The operation's own stream records <see cref="ReleasedFromCluster"/>.
/// </summary>
public sealed record OperationReleased(Guid ClusterId, Guid OperationId, string Reason, DateTimeOffset ReleasedAt);

/// <summary>The operation's last event when an administrator released its cluster (see <see cref="OperationReleased"/>).</summary>
public sealed record ReleasedFromCluster(Guid OperationId, Guid ClusterId, string Reason, DateTimeOffset ReleasedAt);

/// <summary>An operation still held the cluster past its deadline: an alert, once per operation; release it once it is known dead.</summary>
public sealed record OperationOverdue(Guid ClusterId, Guid OperationId, DateTimeOffset Deadline, DateTimeOffset ObservedAt);
