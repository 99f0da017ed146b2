using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Coordination.Leases;

/// <summary>
/// An etcd lease renewed every third of its TTL until disposed (then revoked, so that its keys vanish at once).
/// Every renewal is bounded in time. The holder counts on the lease only until its TTL, minus a margin, has passed
/// since the last renewal etcd granted was sent, by this process's monotonic clock (<see cref="SurelyAlive"/>): etcd
/// cannot have expired it before then, whatever happened to the network or to this process. <see cref="Lost"/> is
/// cancelled at that moment, or when etcd says the lease is gone: whoever holds the lease must stop acting on it.
/// </summary>
public sealed class KeptAliveLease : IAsyncDisposable
{
    private readonly EtcdConnection _etcd;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewal;
    private readonly Task _expiry;
    private long _aliveUntil;

    private KeptAliveLease(EtcdConnection etcd, long id, TimeSpan ttl, long grantSentAt)
    {
        _etcd = etcd;
        Id = id;
        Ttl = ttl;
        Extend(grantSentAt, ttl);
        _renewal = Task.Run(RenewAsync);
        _expiry = Task.Run(ExpireAsync);
    }

    public long Id { get; }

    public TimeSpan Ttl { get; }

    public CancellationToken Lost => _lost.Token;

    /// <summary>True until the lease could have expired in etcd (see the class summary); false for good once lost.</summary>
    public bool SurelyAlive => !_lost.IsCancellationRequested && Stopwatch.GetTimestamp() < Volatile.Read(ref _aliveUntil);

    private TimeSpan Interval => Ttl / 3;

    /// <summary>Clocks drift and timers fire late: the holder gives the lease up this much before etcd could.</summary>
    private TimeSpan Margin => Ttl / 6;

    public static async Task<KeptAliveLease> GrantAsync(EtcdConnection etcd, TimeSpan ttl, CancellationToken cancellation)
    {
        var seconds = (long)Math.Max(1, Math.Ceiling(ttl.TotalSeconds));
        var sentAt = Stopwatch.GetTimestamp();
        var granted = await etcd.Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds },
            deadline: etcd.Deadline(), cancellationToken: cancellation);
        return new KeptAliveLease(etcd, granted.ID, TimeSpan.FromSeconds(granted.TTL), sentAt);
    }

    /// <summary>etcd renewed the lease for <paramref name="ttl"/> when it received a request sent at <paramref name="sentAt"/> or later.</summary>
    private void Extend(long sentAt, TimeSpan ttl) =>
        Volatile.Write(ref _aliveUntil, sentAt + (long)((ttl - Margin).TotalSeconds * Stopwatch.Frequency));

    private async Task RenewAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = _etcd.Leases.LeaseKeepAlive(cancellationToken: _stop.Token);
                while (!_stop.IsCancellationRequested)
                {
                    var sentAt = Stopwatch.GetTimestamp();
                    // A renewal that takes longer than the interval is abandoned (the stream with it) and tried again.
                    using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    bounded.CancelAfter(Interval);
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = Id }, bounded.Token);
                    if (!await call.ResponseStream.MoveNext(bounded.Token)) break;
                    if (call.ResponseStream.Current.TTL <= 0)
                    {
                        await _lost.CancelAsync();
                        return;
                    }
                    Extend(sentAt, TimeSpan.FromSeconds(call.ResponseStream.Current.TTL));
                    await Task.Delay(Interval, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                // etcd unreachable or slow: keep trying while the lease may still be alive; the expiry ends it otherwise.
            }
            if (!SurelyAlive) return;
            try { await Task.Delay(TimeSpan.FromMilliseconds(100), _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Cancels <see cref="Lost"/> once the lease could have expired; a late timer only delays the token, never <see cref="SurelyAlive"/>.</summary>
    private async Task ExpireAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var remaining = Volatile.Read(ref _aliveUntil) - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                await _lost.CancelAsync();
                return;
            }
            try { await Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_renewal, _expiry);
        // Even a lease given up early by our clock may still live in etcd: revoked, its keys vanish for a successor at once.
        try
        {
            await _etcd.Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = Id }, deadline: _etcd.Deadline());
        }
        catch (RpcException)
        {
            // etcd is unreachable, or the lease has expired already: it ends by itself when its TTL runs out.
        }
        _stop.Dispose();
        _lost.Dispose();
    }
}
