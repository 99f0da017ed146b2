using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// Watches one etcd key until <c>until</c> ends, and cancels <c>lost</c> when the key changes or vanishes after the
/// revision it was created at.
/// </summary>
internal static class KeyWatch
{
    public static async Task UntilChangedAsync(EtcdConnection etcd, ByteString key, long createdAt, CancellationTokenSource lost, CancellationToken until)
    {
        var watches = new Watch.WatchClient(etcd.Invoker);
        while (!until.IsCancellationRequested)
        {
            try
            {
                using var call = watches.Watch(cancellationToken: until);
                await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, StartRevision = createdAt + 1 } },
                    until);
                while (await call.ResponseStream.MoveNext(until))
                {
                    var response = call.ResponseStream.Current;
                    // Compacted past our revision: what happened to the key cannot be known, so the hold is not trusted.
                    if (response.Events.Count > 0 || response.Canceled || response.CompactRevision > 0)
                    {
                        await lost.CancelAsync();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException && until.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException)
            {
                // The watch broke: watch again from the same revision, so that nothing in between is missed; while
                // etcd is unreachable, the lease's own deadline bounds the hold.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), until).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
