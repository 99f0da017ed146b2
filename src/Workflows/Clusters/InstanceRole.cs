using System.Text.Json.Serialization;

namespace MySqlHa.Workflows.Clusters;

/// <summary>At most one master, at most one standby, any number of replicas; every instance starts unregistered.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstanceRole>))]
public enum InstanceRole
{
    [JsonStringEnumMemberName("unregistered")] Unregistered,
    [JsonStringEnumMemberName("master")] Master,
    [JsonStringEnumMemberName("standby")] Standby,
    [JsonStringEnumMemberName("replica")] Replica,
}

/// <summary>LAIN mysql-service's instance states, computed by the monitor.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstanceStatus>))]
public enum InstanceStatus
{
    [JsonStringEnumMemberName("UNREGISTERED")] Unregistered,

    /// <summary>Serving as its role says: a writable master, or a replica in step with the master.</summary>
    [JsonStringEnumMemberName("OK")] Ok,

    /// <summary>Replicating from the master, connected, but behind by more than the lag threshold.</summary>
    [JsonStringEnumMemberName("SYNCING")] Syncing,

    /// <summary>Registered as standby or replica, not (yet) replicating under our control.</summary>
    [JsonStringEnumMemberName("DETACHED")] Detached,

    /// <summary>Paused by an operator: a read-only master, or a replica with its threads stopped.</summary>
    [JsonStringEnumMemberName("PAUSED")] Paused,

    /// <summary>Replicating from a server other than the registered master (it missed a switch).</summary>
    [JsonStringEnumMemberName("LOST")] Lost,

    /// <summary>Unreachable, or not doing what its role requires; the reason says which.</summary>
    [JsonStringEnumMemberName("ERROR")] Error,

    /// <summary>A failed master fenced by a failover: out of service until an operator repairs and registers it again.</summary>
    [JsonStringEnumMemberName("FENCED")] Fenced,
}
