using System.Net;
using MySqlHa.Coordination.Topology;

namespace MySqlHa.Proxy.Routing;

/// <summary>
/// Where new connections of one cluster go, as of one topology version. Immutable: a change builds a new table
/// and swaps it in whole, so a connection never sees half of an update.
/// </summary>
public sealed class RouteTable
{
    private readonly IReadOnlyList<DnsEndPoint> _replicas;
    private int _nextReplica = -1;

    private RouteTable(long version, TopologyState state, DnsEndPoint? master, IReadOnlyList<DnsEndPoint> replicas)
    {
        Version = version;
        State = state;
        Master = master;
        _replicas = replicas;
    }

    public static RouteTable Empty { get; } = new(0, TopologyState.Serving, null, []);

    public long Version { get; }

    public TopologyState State { get; }

    public DnsEndPoint? Master { get; }

    public IReadOnlyList<DnsEndPoint> Replicas => _replicas;

    public static RouteTable From(PublishedTopology topology) => new(
        topology.Version,
        topology.State,
        topology.Master.Containers.Select(Endpoint).FirstOrDefault(),
        topology.Slave.Containers.Select(Endpoint).ToList());

    /// <summary>Replicas in turn (LAIN's proxyd picked at random; turns spread load more evenly).</summary>
    public DnsEndPoint? NextReplica()
    {
        if (_replicas.Count == 0) return null;
        var turn = (uint)Interlocked.Increment(ref _nextReplica);
        return _replicas[(int)(turn % (uint)_replicas.Count)];
    }

    private static DnsEndPoint Endpoint(ContainerAddress address) => new(address.Ip, address.Port);
}
