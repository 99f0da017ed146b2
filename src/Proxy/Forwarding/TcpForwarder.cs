using System.Net;
using System.Net.Sockets;
using MySqlHa.Proxy.Routing;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// Accepts clients on one listener and pairs each with one server connection, copying bytes both ways until
/// either side closes. Which server is decided once, at connect time, from the route table in force then.
/// </summary>
internal sealed partial class TcpForwarder(
    IPEndPoint listen, Func<DnsEndPoint?> chooseTarget, TimeSpan connectTimeout, ILogger logger)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        using var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(listen);
        listener.Listen(512);
        LogListening(listen.ToString());
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(client, stopping);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using (client)
        {
            client.NoDelay = true;
            var target = chooseTarget();
            if (target is null)
            {
                LogNoTarget(listen.ToString());
                return;
            }
            using var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using (var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                connectDeadline.CancelAfter(connectTimeout);
                try
                {
                    await server.ConnectAsync(target, connectDeadline.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    LogConnectFailed(target.ToString(), e.Message);
                    return;
                }
            }
            await using var clientStream = new NetworkStream(client, ownsSocket: false);
            await using var serverStream = new NetworkStream(server, ownsSocket: false);
            var upstream = CopyThenHalfCloseAsync(clientStream, server, serverStream, stopping);
            var downstream = CopyThenHalfCloseAsync(serverStream, client, clientStream, stopping);
            await Task.WhenAll(upstream, downstream);
        }
    }

    /// <summary>Copies until the source ends, then passes the end on (a half-close), so the peer sees it too.</summary>
    private static async Task CopyThenHalfCloseAsync(NetworkStream from, Socket toSocket, NetworkStream to, CancellationToken stopping)
    {
        try
        {
            await from.CopyToAsync(to, 16 * 1024, stopping);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset or a stop on either side ends both directions.
            toSocket.Close();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {Listen}")]
    private partial void LogListening(string listen);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No target for a client of {Listen}: the topology names none")]
    private partial void LogNoTarget(string listen);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach {Target}: {Reason}")]
    private partial void LogConnectFailed(string target, string reason);
}
