using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Topology;

/// <summary>A named server as the cluster knows it.</summary>
public sealed record NamedEndpoint(string Name, ServerEndpoint Endpoint);

/// <summary>One instance as the servers themselves describe it, and whom it replicates from.</summary>
public sealed record DiscoveredInstance(
    string Name,
    ServerEndpoint Endpoint,
    bool Reachable,
    string? Failure,
    ServerSnapshot? Snapshot,
    string? ReplicatesFrom,
    ServerEndpoint? ReplicatesFromOutsideCluster);

/// <summary>
/// The replication graph read from the servers: who replicates from whom, derived only from what each replica
/// reports as its source. Primaries are reachable instances that replicate from no one in the cluster and are
/// writable; more than one means a split brain or a half-done switch, and is reported, not resolved.
/// </summary>
public sealed record DiscoveredTopology(IReadOnlyList<DiscoveredInstance> Instances, DateTimeOffset DiscoveredAt)
{
    public IReadOnlyList<string> WritablePrimaries =>
        Instances.Where(i => i is { Reachable: true, ReplicatesFrom: null, Snapshot.ReadOnly: false }).Select(i => i.Name).ToList();

    public static DiscoveredTopology From(IReadOnlyList<NamedEndpoint> members, IReadOnlyList<ProbeResult> probes, DateTimeOffset now)
    {
        var instances = members.Select(member =>
        {
            var probe = probes.Single(p => p.Endpoint == member.Endpoint);
            var source = probe.Snapshot?.Replication?.Source;
            var sourceMember = source is null ? null : members.FirstOrDefault(m => m.Endpoint.Matches(source.Host, source.Port));
            return new DiscoveredInstance(
                member.Name,
                member.Endpoint,
                probe.Reachable,
                probe.Failure,
                probe.Snapshot,
                sourceMember?.Name,
                source is not null && sourceMember is null ? source : null);
        }).ToList();
        return new DiscoveredTopology(instances, now);
    }
}
