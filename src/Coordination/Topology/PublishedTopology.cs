using System.Text.Json.Serialization;

namespace MySqlHa.Coordination.Topology;

/// <summary>One server as proxies address it, in LAIN mysql-service's field names.</summary>
public sealed record ContainerAddress(
    [property: JsonPropertyName("container_ip")] string Ip,
    [property: JsonPropertyName("container_port")] int Port,
    [property: JsonPropertyName("name")] string Name);

public sealed record ContainerGroup([property: JsonPropertyName("containers")] IReadOnlyList<ContainerAddress> Containers);

[JsonConverter(typeof(JsonStringEnumConverter<TopologyState>))]
public enum TopologyState
{
    /// <summary>Route as the document says.</summary>
    [JsonStringEnumMemberName("serving")] Serving,

    /// <summary>A switch is under way: hold new read-write connections until the next version.</summary>
    [JsonStringEnumMemberName("switching")] Switching,
}

/// <summary>
/// The topology published at {prefix}/clusters/{cluster}/topology for proxies. It keeps LAIN's shape
/// ({"master":{"containers":[...]},"slave":{"containers":[...]}}) so LAIN-era clients can read it, and adds the
/// cluster, a version that only ever increases, and the state. Fenced instances are never listed.
/// </summary>
public sealed record PublishedTopology(
    [property: JsonPropertyName("cluster")] string Cluster,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("state")] TopologyState State,
    [property: JsonPropertyName("master")] ContainerGroup Master,
    [property: JsonPropertyName("slave")] ContainerGroup Slave)
{
    /// <summary>
    /// When the cluster was registered (Unix milliseconds). A cluster registered again under the same name starts
    /// its versions afresh; the epoch keeps the order: documents compare by epoch, then version.
    /// </summary>
    [JsonPropertyName("epoch")]
    public long Epoch { get; init; }

    public bool IsNewerThan(PublishedTopology? other) =>
        other is null || Epoch > other.Epoch || (Epoch == other.Epoch && Version > other.Version);

    /// <summary>Every registered instance with its role and status: richer than LAIN's shape, for people and tools.</summary>
    [JsonPropertyName("instances")]
    public IReadOnlyList<PublishedInstance> Instances { get; init; } = [];
}

public sealed record PublishedInstance(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("container_ip")] string Ip,
    [property: JsonPropertyName("container_port")] int Port,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reason")] string? Reason);
