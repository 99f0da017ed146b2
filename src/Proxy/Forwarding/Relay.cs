using System.Net;
using System.Net.Sockets;
using MySqlHa.Proxy.Configuration;
using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// How connections cross, for the whole process: the configured data path, or the next best one when this machine
/// does not offer it (sockmap needs a recent kernel and root; splice needs Linux). Chosen once, at start.
/// </summary>
internal sealed partial class Relay
{
    private readonly SocketRedirectMap? _redirects;
    private readonly SocketWatch? _watch;

    private Relay(DataPath path, SocketRedirectMap? redirects = null, SocketWatch? watch = null) =>
        (Path, _redirects, _watch) = (path, redirects, watch);

    public DataPath Path { get; }

    public static Relay Choose(DataPath configured, ILogger logger)
    {
        var relay = new Relay(configured);
        if (configured == DataPath.Sockmap)
        {
            string? whyNot;
            relay = SocketRedirectMap.TryCreate(out whyNot) is { } redirects && SocketWatch.TryCreate(out whyNot) is { } watch
                ? new Relay(DataPath.Sockmap, redirects, watch)
                : new Relay(DataPath.Splice);
            if (whyNot is not null) LogFellBack(logger, whyNot);
        }
        LogChosen(logger, relay.Path);
        return relay;
    }

    /// <summary>The server side, connected; on the sockmap path without the runtime's socket engine, which would wake for every byte the kernel moves.</summary>
    public async Task<Socket> ConnectAsync(DnsEndPoint target, CancellationToken cancel)
    {
        if (_watch is { } watch) return await watch.ConnectAsync(target, cancel);
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await server.ConnectAsync(target, cancel);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public async Task RunAsync(Socket client, Socket server, Counter.Child toServer, Counter.Child toClient)
    {
        switch (Path)
        {
            case DataPath.Sockmap:
                await RedirectRelay.RunAsync(_redirects!, _watch!, client, server, toServer, toClient);
                break;
            // Without a pipe to spare (too many open files), a connection crosses the managed way.
            case DataPath.Splice when await SpliceRelay.TryRunAsync(client, server, toServer, toClient):
                break;
            default:
                await SocketRelay.RunAsync(client, server, toServer, toClient);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sockmap data path is not available, so bytes cross by splice instead: {Reason}")]
    private static partial void LogFellBack(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data path: {Path}")]
    private static partial void LogChosen(ILogger logger, DataPath path);
}
