using System.Net.ServerSentEvents;
using System.Text.Json;
using MySqlHa.Coordination.Topology;

namespace MySqlHa.Proxy.Routing;

/// <summary>
/// Follows one cluster's topology through the Api's Server-Sent Events stream
/// (<c>GET /api/clusters/{id}/topology/stream</c>: <c>init</c> on connect, <c>update</c> on every new version) instead
/// of etcd, for proxies that may reach the Api but not etcd. A broken stream is opened again after a short, jittered
/// pause, and its <c>init</c> brings whatever changed meanwhile; the last known topology stays in force until then.
/// </summary>
internal sealed partial class ApiTopologyFollower(HttpClient api, Guid clusterId, ILogger logger) : ITopologyFeed
{
    public event Action<PublishedTopology>? Changed;

    public PublishedTopology? Current { get; private set; }

    public bool Connected { get; private set; }

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stopping);
                LogStreamEnded(clusterId, "the Api closed the stream");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException && !stopping.IsCancellationRequested)
            {
                LogStreamEnded(clusterId, e.Message);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            Connected = false;
            await Task.Delay(TimeSpan.FromMilliseconds(300 + Random.Shared.Next(400)), stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        using var response = await api.GetAsync($"/api/clusters/{clusterId}/topology/stream", HttpCompletionOption.ResponseHeadersRead, stopping);
        response.EnsureSuccessStatusCode();
        Connected = true;
        await using var stream = await response.Content.ReadAsStreamAsync(stopping);
        var events = SseParser.Create(stream, static (_, data) => JsonSerializer.Deserialize<PublishedTopology?>(data));
        await foreach (var item in events.EnumerateAsync(stopping))
        {
            // Versions only increase; a document no newer than the one in force (a reconnect's init) changes nothing.
            if (item.Data is not { } topology || !topology.IsNewerThan(Current)) continue;
            Current = topology;
            Changed?.Invoke(topology);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The topology stream of cluster {ClusterId} ended ({Reason}); keeping the last known topology and opening it again")]
    private partial void LogStreamEnded(Guid clusterId, string reason);
}
