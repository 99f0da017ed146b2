using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Topology;

/// <summary>Probes every member at once, so that one slow or dead server costs the timeout once, not per server.</summary>
public sealed class TopologyDiscovery(IServerProbe probe, TimeProvider clock)
{
    public async Task<DiscoveredTopology> DiscoverAsync(
        IReadOnlyList<NamedEndpoint> members, ServerCredentials credentials, CancellationToken cancellation)
    {
        var probes = await Task.WhenAll(members.Select(m => probe.ReadAsync(m.Endpoint, credentials, cancellation)));
        return DiscoveredTopology.From(members, probes, clock.GetUtcNow());
    }
}
