using MySqlHa.Replication.Servers;

namespace MySqlHa.Workflows.Clusters;

// What happened to one instance of a cluster. Each event carries the server's GTID position as the action left it,
// so the audit trail says where replication stood at every step.

public sealed record InstanceRegistered(Guid ClusterId, string Instance, InstanceRole Role, DateTimeOffset RegisteredAt);

public sealed record InstanceUnregistered(Guid ClusterId, string Instance, InstanceRole PreviousRole, DateTimeOffset UnregisteredAt);

/// <summary>The instance now replicates from <paramref name="Source"/> with GTID auto-positioning.</summary>
public sealed record ReplicationActivated(
    Guid ClusterId, string Instance, string Source, ServerEndpoint SourceEndpoint, string GtidExecuted, DateTimeOffset ActivatedAt);

public sealed record ReplicationDetached(Guid ClusterId, string Instance, string GtidExecuted, DateTimeOffset DetachedAt);

/// <summary>A master made read-only, or a replica's threads stopped, by an operator.</summary>
public sealed record InstancePaused(
    Guid ClusterId, string Instance, InstanceRole Role, string GtidExecuted, string? BinlogFile, long? BinlogPosition, DateTimeOffset PausedAt);

public sealed record InstanceResumed(Guid ClusterId, string Instance, InstanceRole Role, string GtidExecuted, DateTimeOffset ResumedAt);

/// <summary>The monitor's verdict on an instance changed. Polls that confirm the verdict are not recorded.</summary>
public sealed record InstanceStatusChanged(
    Guid ClusterId,
    string Instance,
    InstanceStatus From,
    InstanceStatus To,
    string? Reason,
    string? GtidExecuted,
    long? SecondsBehindSource,
    DateTimeOffset ObservedAt);
