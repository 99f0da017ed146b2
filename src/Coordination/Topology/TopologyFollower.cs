using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Mvccpb;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Coordination.Topology;

/// <summary>
/// Follows one cluster's published topology in etcd: reads it, then watches from the next revision, and after a
/// broken watch resumes from the last revision it saw, so no change is missed. While etcd is unreachable the last
/// known topology stays in force: a proxy must keep serving when the control plane is down.
/// </summary>
public sealed class TopologyFollower(EtcdConnection etcd, string cluster) : ITopologyFeed
{
    private readonly string _key = etcd.Keys.Topology(cluster);
    private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the key has been read for the first time (whether or not it exists).</summary>
    public Task FirstRead => _firstRead.Task;

    public PublishedTopology? Current { get; private set; }

    public long Revision { get; private set; }

    public bool Connected { get; private set; }

    public event Action<PublishedTopology>? Changed;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (Revision == 0) await ReadAsync(stopping);
                await WatchAsync(stopping);
            }
            catch (Exception e) when (e is RpcException or IOException && !stopping.IsCancellationRequested)
            {
                Connected = false;
                await Task.Delay(TimeSpan.FromMilliseconds(300 + Random.Shared.Next(400)), stopping)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ReadAsync(CancellationToken stopping)
    {
        var response = await etcd.Client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_key) },
            deadline: etcd.Deadline(), cancellationToken: stopping);
        Connected = true;
        Revision = response.Header.Revision;
        if (response.Kvs.Count == 1) Apply(response.Kvs[0].Value);
        _firstRead.TrySetResult();
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        var watches = new Watch.WatchClient(etcd.Invoker);
        using var call = watches.Watch(cancellationToken: stopping);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(_key), StartRevision = Revision + 1 },
        }, stopping);
        while (await call.ResponseStream.MoveNext(stopping))
        {
            var response = call.ResponseStream.Current;
            Connected = true;
            if (response.CompactRevision > 0)
            {
                // The history we asked for was compacted away: read the current value afresh.
                Revision = 0;
                return;
            }
            foreach (var change in response.Events)
            {
                Revision = change.Kv.ModRevision;
                if (change.Type == Event.Types.EventType.Put) Apply(change.Kv.Value);
            }
        }
    }

    private void Apply(ByteString value)
    {
        var topology = JsonSerializer.Deserialize<PublishedTopology>(value.Span);
        // Versions only increase; an older document (a deposed controller's late write) is ignored.
        if (topology is null || !topology.IsNewerThan(Current)) return;
        Current = topology;
        Changed?.Invoke(topology);
    }
}
