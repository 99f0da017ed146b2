namespace MySqlHa.Workflows.SemiSync;

/// <summary>
/// Semi-synchronous replication was switched on or off for the cluster. <paramref name="AppliedOn"/> maps each
/// server that took the setting to its GTID position then; <paramref name="FailedOn"/> each that refused or could
/// not be reached to the reason (it keeps its old setting until the next attempt).
/// </summary>
public sealed record SemiSyncConfigured(Guid ClusterId, bool Enabled, string WaitPoint, long TimeoutMilliseconds, bool FallsBackToAsync,
    IReadOnlyDictionary<string, string> AppliedOn, IReadOnlyDictionary<string, string> FailedOn, DateTimeOffset ConfiguredAt);
