using System.Net;
using System.Net.Sockets;

namespace MySqlHa.Tests.Sandbox;

/// <summary>
/// A TCP relay on loopback in front of one port: a process pointed at the relay can be cut off (LoopbackPartition on
/// the relay's port) while every other process still reaches the port itself.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _target;

    private TcpRelay(int target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static TcpRelay To(int port) => new(port);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            await using var near = client.GetStream();
            await using var far = upstream.GetStream();
            // Either side closing (or the test cutting one) ends both directions.
            await Task.WhenAny(near.CopyToAsync(far, _stop.Token), far.CopyToAsync(near, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
