using System.Diagnostics;
using MySqlHa.Coordination.Topology;
using MySqlHa.Proxy.Configuration;
using MySqlHa.Proxy.Forwarding;

namespace MySqlHa.Proxy.Routing;

/// <summary>
/// One cluster: follows its topology (from etcd or the Api) and runs its read-write and read-only listeners. While the cluster is
/// switching, new read-write clients are held (at most MaxHeldConnections, at most HoldTimeout each, then refused)
/// and released to the master of the next version; when the cluster starts switching or the master changes,
/// established read-write connections to the old master are closed so that clients reconnect (and are held) rather
/// than write to it.
/// </summary>
internal sealed class ClusterRouting
{
    private readonly ProxiedCluster _cluster;
    private readonly ProxySettings _settings;
    private readonly ITopologyFeed _topology;
    private readonly TcpForwarder _readWrite;
    private readonly TcpForwarder? _readOnly;
    private RouteTable _routes = RouteTable.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    public ClusterRouting(ProxiedCluster cluster, ProxySettings settings, ITopologyFeed topology, Relay relay, ILoggerFactory logging)
    {
        _cluster = cluster;
        _settings = settings;
        _topology = topology;
        var logger = logging.CreateLogger($"MySqlHa.Proxy.{cluster.Name}");
        _readWrite = new TcpForwarder(cluster.Name, "read-write", cluster.ReadWrite, ChooseMasterAsync,
            server => Routes is { State: TopologyState.Serving } routes && server.Equals(routes.Master), settings.ConnectTimeout, relay, logger);
        if (cluster.ReadOnly is { } readOnly)
            _readOnly = new TcpForwarder(cluster.Name, "read-only", readOnly, _ => ValueTask.FromResult(ChooseReplica()),
                _ => true, settings.ConnectTimeout, relay, logger);
        _topology.Changed += Apply;
    }

    public ProxiedCluster Cluster => _cluster;

    public RouteTable Routes => Volatile.Read(ref _routes);

    /// <summary>Whether the topology's source (etcd or the Api) answers.</summary>
    public bool SourceConnected => _topology.Connected;

    public int Held => Volatile.Read(ref _held);

    public Task RunAsync(CancellationToken stopping)
    {
        var tasks = new List<Task> { _topology.RunAsync(stopping), _readWrite.RunAsync(stopping) };
        if (_readOnly is not null) tasks.Add(_readOnly.RunAsync(stopping));
        return Task.WhenAll(tasks);
    }

    /// <summary>
    /// Swaps the routes in, then closes read-write connections to a master that is being switched away from (the
    /// cluster turned switching: no write may reach it on a session opened before) or was demoted, in that order: a
    /// connection that registers after the sweep finds the new routes when it asks again (TcpForwarder), so none to
    /// the old master stays. Clients that reconnect are held until the new master is published.
    /// </summary>
    private void Apply(PublishedTopology topology)
    {
        var previous = Routes;
        var next = RouteTable.From(topology);
        Volatile.Write(ref _routes, next);
        ProxyMetrics.RoutingChanges.WithLabels(_cluster.Name).Inc();
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        if (previous.Master is { } demoted && (!demoted.Equals(next.Master) || next.State == TopologyState.Switching))
            ProxyMetrics.ClosedOnDemotion.WithLabels(_cluster.Name).Inc(_readWrite.CloseConnectionsTo(demoted));
    }

    /// <summary>
    /// A replica in turn. The controller publishes only replicas whose status is OK, so lagging, lost and failing
    /// ones are already out of the pool; with none left, readers go to the master only if configured to.
    /// </summary>
    private RouteChoice ChooseReplica()
    {
        var routes = Routes;
        if (routes.NextReplica() is { } replica) return new RouteChoice(replica, null);
        return _cluster.ReadOnlyFallsBackToMaster && routes.State == TopologyState.Serving
            ? new RouteChoice(routes.Master, "the topology names no master")
            : new RouteChoice(null, "no replica is fit to serve");
    }

    private async ValueTask<RouteChoice> ChooseMasterAsync(CancellationToken stopping)
    {
        var routes = Routes;
        if (routes.State == TopologyState.Serving) return new RouteChoice(routes.Master, "the topology names no master");
        if (Interlocked.Increment(ref _held) > _settings.MaxHeldConnections)
        {
            Interlocked.Decrement(ref _held);
            return new RouteChoice(null, "too many connections held");
        }
        var held = Stopwatch.StartNew();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(_settings.HoldTimeout);
            while (true)
            {
                var changed = Volatile.Read(ref _changed).Task;
                routes = Routes;
                if (routes.State == TopologyState.Serving) return new RouteChoice(routes.Master, "the topology names no master");
                try
                {
                    await changed.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    return new RouteChoice(null, "still switching after the hold timeout");
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _held);
            ProxyMetrics.HoldSeconds.WithLabels(_cluster.Name).Observe(held.Elapsed.TotalSeconds);
        }
    }
}
