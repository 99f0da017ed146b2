namespace MySqlHa.Coordination.Topology;

/// <summary>
/// Where a proxy learns one cluster's published topology: etcd (<see cref="TopologyFollower"/>) or the Api's
/// Server-Sent Events stream. Either raises <see cref="Changed"/> only for a document newer than the last, and keeps
/// the last one in force while its source is unreachable.
/// </summary>
public interface ITopologyFeed
{
    event Action<PublishedTopology>? Changed;

    /// <summary>Whether the source answered last time it was asked (false while it is being reconnected to).</summary>
    bool Connected { get; }

    Task RunAsync(CancellationToken stopping);
}
