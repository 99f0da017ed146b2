using Etcdserverpb;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Leases;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Coordination;

public sealed class KeptAliveLeaseTests : IDisposable
{
    private readonly EtcdConnection _etcd = new(new EtcdOptions
    {
        Endpoint = SandboxSettings.Current.Etcd,
        Prefix = $"/mysqlha-test-{Guid.NewGuid():N}",
    });

    [Fact]
    public async Task Key_on_a_kept_alive_lease_outlives_its_ttl_and_vanishes_when_the_lease_is_disposed()
    {
        var key = _etcd.Keys.Agent("orders", "db1");
        var lease = await KeptAliveLease.GrantAsync(_etcd, TimeSpan.FromSeconds(2), default);
        await _etcd.Client.PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes("alive"), Lease = lease.Id });

        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal("alive", await _etcd.Client.GetValAsync(key));
        Assert.False(lease.Lost.IsCancellationRequested);

        await lease.DisposeAsync();
        Assert.Equal("", await _etcd.Client.GetValAsync(key));
    }

    [Fact]
    public async Task Key_on_a_lease_nobody_renews_expires_after_its_ttl()
    {
        var key = _etcd.Keys.Agent("orders", "db2");
        var granted = await _etcd.Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 2 });
        await _etcd.Client.PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes("alive"), Lease = granted.ID });
        Assert.Equal("alive", await _etcd.Client.GetValAsync(key));

        var expiredWithin = await WaitUntilGoneAsync(key, TimeSpan.FromSeconds(6));

        Assert.True(expiredWithin <= TimeSpan.FromSeconds(4), $"the key outlived its 2 s lease by too much: {expiredWithin}");
    }

    [Fact]
    public async Task Lease_revoked_behind_the_holders_back_is_reported_lost()
    {
        var lease = await KeptAliveLease.GrantAsync(_etcd, TimeSpan.FromSeconds(3), default);
        await _etcd.Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease.Id });

        var lost = await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(5)), Task.Delay(Timeout.Infinite, lease.Lost));

        Assert.True(lease.Lost.IsCancellationRequested, "the holder was not told that its lease is gone");
        await lease.DisposeAsync();
        GC.KeepAlive(lost);
    }

    private async Task<TimeSpan> WaitUntilGoneAsync(string key, TimeSpan limit)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < limit)
        {
            if (await _etcd.Client.GetValAsync(key) == "") return DateTime.UtcNow - started;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{key} still exists after {limit}");
    }

    private static Google.Protobuf.ByteString Bytes(string text) => Google.Protobuf.ByteString.CopyFromUtf8(text);

    public void Dispose()
    {
        _etcd.Client.DeleteRange(_etcd.Options.Prefix);
        _etcd.Dispose();
    }
}
