using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>Where a new client goes, or why it is refused.</summary>
internal readonly record struct RouteChoice(DnsEndPoint? Target, string? Refusal);

/// <summary>
/// Accepts clients on one listener and pairs each with one server connection, copying bytes both ways until
/// either side closes. Which server is decided once, at connect time, by <c>choose</c> (which may hold the client
/// while a switch is under way). Established connections are tracked so that those to a demoted server can be closed;
/// <c>stillRoutedTo</c> says whether a server is still where this listener's new clients go.
/// </summary>
internal sealed partial class TcpForwarder(
    string cluster, string listener, IPEndPoint listen, Func<CancellationToken, ValueTask<RouteChoice>> choose,
    Func<DnsEndPoint, bool> stillRoutedTo, TimeSpan connectTimeout, Relay relay, ILogger logger)
{
    private readonly ConcurrentDictionary<long, (DnsEndPoint Target, Socket Client, Socket Server)> _open = new();
    private readonly Counter.Child _bytesToServer = ProxyMetrics.Bytes.WithLabels(cluster, listener, "to_server");
    private readonly Counter.Child _bytesToClient = ProxyMetrics.Bytes.WithLabels(cluster, listener, "to_client");
    private long _nextId;

    public async Task RunAsync(CancellationToken stopping)
    {
        using var socket = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(listen);
        socket.Listen(512);
        LogListening(listen.ToString());
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(client, stopping);
        }
    }

    /// <summary>Closes every forwarded connection whose server is <paramref name="target"/>; answers how many.</summary>
    public int CloseConnectionsTo(DnsEndPoint target)
    {
        var closed = 0;
        foreach (var (id, connection) in _open)
        {
            if (!connection.Target.Equals(target) || !_open.TryRemove(id, out _)) continue;
            connection.Client.Close();
            connection.Server.Close();
            closed++;
        }
        return closed;
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using (client)
        {
            client.NoDelay = true;
            var (target, refusal) = await choose(stopping);
            if (target is null)
            {
                ProxyMetrics.Refusals.WithLabels(cluster, listener, refusal ?? "no target").Inc();
                LogRefused(listen.ToString(), refusal ?? "the topology names no target");
                return;
            }
            using var server = await ConnectAsync(target, stopping);
            if (server is null) return;
            var id = Interlocked.Increment(ref _nextId);
            var targetLabel = target.ToString();
            _open[id] = (target, client, server);
            // A new topology may have demoted the server between the choice and the line above, after its sweep of the
            // open connections had passed: routes are swapped before that sweep, so asking again now misses nothing.
            if (!stillRoutedTo(target) && _open.TryRemove(id, out _))
            {
                ProxyMetrics.ClosedOnDemotion.WithLabels(cluster).Inc();
                return;
            }
            ProxyMetrics.Connections.WithLabels(cluster, listener, targetLabel).Inc();
            ProxyMetrics.ActiveConnections.WithLabels(cluster, listener, targetLabel).Inc();
            // One registration per connection rather than a token on every receive and send.
            await using var stop = stopping.UnsafeRegister(static state =>
            {
                var (client, server) = ((Socket, Socket))state!;
                client.Close();
                server.Close();
            }, (client, server));
            try
            {
                await relay.RunAsync(client, server, _bytesToServer, _bytesToClient);
            }
            finally
            {
                _open.TryRemove(id, out _);
                ProxyMetrics.ActiveConnections.WithLabels(cluster, listener, targetLabel).Dec();
            }
        }
    }

    /// <summary>A connected server socket, or null (counted and logged) when the server cannot be reached in time.</summary>
    private async Task<Socket?> ConnectAsync(DnsEndPoint target, CancellationToken stopping)
    {
        using var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        connectDeadline.CancelAfter(connectTimeout);
        try
        {
            return await relay.ConnectAsync(target, connectDeadline.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            ProxyMetrics.Refusals.WithLabels(cluster, listener, "server unreachable").Inc();
            LogConnectFailed(target.ToString(), e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {Listen}")]
    private partial void LogListening(string listen);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a client of {Listen}: {Reason}")]
    private partial void LogRefused(string listen, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach {Target}: {Reason}")]
    private partial void LogConnectFailed(string target, string reason);
}
