using System.Text.Json.Nodes;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Tests.Operations;

/// <summary>MoHA's switch record on the real etcd: one per operation, whatever replays its step.</summary>
public sealed class SwitchRecordTests : IDisposable
{
    private readonly EtcdConnection _etcd = new(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = $"/mysqlha-test-switch-{Guid.NewGuid():N}" });

    public void Dispose() => _etcd.Dispose();

    [Fact]
    public async Task A_replayed_record_step_writes_no_second_record_and_keeps_the_first()
    {
        var operation = Guid.NewGuid();

        var first = await SwitchRecord.WriteOnceAsync(_etcd, "c1", operation, new { operationId = operation, newMaster = "db2", attempt = 1 }, default);
        var replay = await SwitchRecord.WriteOnceAsync(_etcd, "c1", operation, new { operationId = operation, newMaster = "db2", attempt = 2 }, default);
        var other = await SwitchRecord.WriteOnceAsync(_etcd, "c1", Guid.NewGuid(), new { newMaster = "db3", attempt = 1 }, default);

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
}
