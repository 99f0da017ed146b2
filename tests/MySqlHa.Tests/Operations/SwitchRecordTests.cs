using System.Text.Json.Nodes;
using Etcdserverpb;
using Google.Protobuf;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Leases;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Tests.Operations;

/// <summary>MoHA's switch record on the real etcd: one per operation, whatever replays its step, and none from a deposed leader.</summary>
public sealed class SwitchRecordTests : IAsyncLifetime
{
    private readonly EtcdConnection _etcd = new(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = $"/mysqlha-test-switch-{Guid.NewGuid():N}" });
    private KeptAliveLease _lease = null!;
    private LeadershipTerm _term = null!;

    /// <summary>A term as LeaderElection takes one: the leader key created on a kept-alive lease, its revision the token.</summary>
    public async Task InitializeAsync()
    {
        _lease = await KeptAliveLease.GrantAsync(_etcd, TimeSpan.FromSeconds(3), default);
        var key = ByteString.CopyFromUtf8(_etcd.Keys.ControllerLeader);
        var put = await _etcd.Client.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8("test"), Lease = _lease.Id });
        _term = new LeadershipTerm(put.Header.Revision, key, CancellationToken.None, _lease);
    }

    public async Task DisposeAsync()
    {
        await _lease.DisposeAsync();
        await _etcd.Client.DeleteRangeAsync(_etcd.Options.Prefix);
        _etcd.Dispose();
    }

    [Fact]
    public async Task A_replayed_record_step_writes_no_second_record_and_keeps_the_first()
    {
        var operation = Guid.NewGuid();

        var first = await SwitchRecord.WriteOnceAsync(_etcd, _term, "c1", operation, new { operationId = operation, newMaster = "db2", attempt = 1 }, default);
        var replay = await SwitchRecord.WriteOnceAsync(_etcd, _term, "c1", operation, new { operationId = operation, newMaster = "db2", attempt = 2 }, default);
        var other = await SwitchRecord.WriteOnceAsync(_etcd, _term, "c1", Guid.NewGuid(), new { newMaster = "db3", attempt = 1 }, default);

        Assert.True(first.Created);
        Assert.False(replay.Created);
        Assert.Equal(first.Key, replay.Key);
        Assert.True(other.Created);
        Assert.StartsWith($"{_etcd.Options.Prefix}/clusters/c1/switch/", first.Key);
        Assert.Contains(operation.ToString(), first.Key);
        var records = await _etcd.Client.GetRangeValAsync($"{_etcd.Options.Prefix}/clusters/c1/switch/");
        Assert.Equal(2, records.Count);
        Assert.Equal(1, (int?)JsonNode.Parse(records[first.Key])!["attempt"]);
    }

    [Fact]
    public async Task A_leader_whose_key_was_taken_over_writes_no_record()
    {
        // This term's key went (its lease expired) and another controller created it again, at a later revision.
        await _etcd.Client.DeleteAsync(_etcd.Keys.ControllerLeader);
        await _etcd.Client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.ControllerLeader), Value = ByteString.CopyFromUtf8("successor") });

        await Assert.ThrowsAsync<NotLeadingException>(() =>
            SwitchRecord.WriteOnceAsync(_etcd, _term, "c1", Guid.NewGuid(), new { newMaster = "db2" }, default));

        Assert.Empty(await _etcd.Client.GetRangeValAsync($"{_etcd.Options.Prefix}/clusters/c1/switch/"));
    }
}
