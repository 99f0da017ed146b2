using Etcdserverpb;
using Grpc.Core;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Coordination.Leases;

/// <summary>
/// An etcd lease renewed every third of its TTL until disposed (then revoked, so that its keys vanish at once).
/// <see cref="Lost"/> is cancelled when etcd says the lease has expired or renewal fails for longer than the TTL:
/// whoever holds the lease must stop acting on it from then on.
/// </summary>
public sealed class KeptAliveLease : IAsyncDisposable
{
    private readonly EtcdConnection _etcd;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewal;

    private KeptAliveLease(EtcdConnection etcd, long id, TimeSpan ttl)
    {
        _etcd = etcd;
        Id = id;
        Ttl = ttl;
        _renewal = Task.Run(RenewAsync);
    }

    public long Id { get; }

    public TimeSpan Ttl { get; }

    public CancellationToken Lost => _lost.Token;

    public static async Task<KeptAliveLease> GrantAsync(EtcdConnection etcd, TimeSpan ttl, CancellationToken cancellation)
    {
        var seconds = (long)Math.Max(1, Math.Ceiling(ttl.TotalSeconds));
        var granted = await etcd.Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds },
            deadline: etcd.Deadline(), cancellationToken: cancellation);
        return new KeptAliveLease(etcd, granted.ID, TimeSpan.FromSeconds(seconds));
    }

    private async Task RenewAsync()
    {
        var interval = Ttl / 3;
        var lastRenewed = DateTime.UtcNow;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = _etcd.Leases.LeaseKeepAlive(cancellationToken: _stop.Token);
                while (!_stop.IsCancellationRequested)
                {
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = Id }, _stop.Token);
                    if (!await call.ResponseStream.MoveNext(_stop.Token)) break;
                    if (call.ResponseStream.Current.TTL <= 0)
                    {
                        _lost.Cancel();
                        return;
                    }
                    lastRenewed = DateTime.UtcNow;
                    await Task.Delay(interval, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException)
            {
                // etcd unreachable: keep trying, but once a whole TTL has passed the lease is gone on the server side.
            }
            if (DateTime.UtcNow - lastRenewed >= Ttl)
            {
                _lost.Cancel();
                return;
            }
            try { await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        if (!_lost.IsCancellationRequested)
        {
            try
            {
                await _etcd.Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = Id }, deadline: _etcd.Deadline());
            }
            catch (RpcException)
            {
                // etcd is unreachable: the lease ends by itself when its TTL runs out.
            }
        }
        _stop.Dispose();
        _lost.Dispose();
    }
}
