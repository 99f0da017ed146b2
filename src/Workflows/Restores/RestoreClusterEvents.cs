namespace MySqlHa.Workflows.Restores;

// On the cluster's stream: one restore per instance at a time, beside switchovers, failovers and backups.

public sealed record InstanceRestoreStarted(Guid ClusterId, Guid RestoreId, string Instance, DateTimeOffset StartedAt);

/// <summary>The restore ended (<paramref name="Outcome"/>: completed or failed) and freed the instance.</summary>
public sealed record InstanceRestoreEnded(Guid ClusterId, Guid RestoreId, string Instance, string Outcome, DateTimeOffset EndedAt);
