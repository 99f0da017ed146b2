using System.Text.Json.Serialization;

namespace MySqlHa.Workflows.Operations;

// What a switch record holds (see SwitchRecord), one shape per kind of switch; written as camelCase JSON.

/// <summary>A switchover: the new master's position as promoted, and the old master's final position at its freeze.</summary>
public sealed record SwitchoverSwitchRecord(Guid OperationId, string OldMaster, string NewMaster, string GtidExecuted, string? BinlogFile,
    long? BinlogPosition, string OldMasterFinalGtid, DateTimeOffset At)
{
    [JsonPropertyOrder(-1)]
    public string Kind => "switchover";
}

/// <summary>
/// A failover: what triggered it, the new master's position as promoted, the failed master's last position seen,
/// and what it may have held that the new master lacks.
/// </summary>
public sealed record FailoverSwitchRecord(Guid OperationId, string Trigger, string OldMaster, string NewMaster, string GtidExecuted,
    string? BinlogFile, long? BinlogPosition, string? OldMasterLastGtid, string? OldMasterLastBinlogFile, long? OldMasterLastBinlogPosition,
    string? PossiblyLostGtids, DateTimeOffset At)
{
    [JsonPropertyOrder(-1)]
    public string Kind => "failover";
}
