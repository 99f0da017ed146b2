using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Switchover;
using Xunit.Abstractions;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// Failover of a mutual master-standby pair (db1 master replicating from its standby db2, db3 a replica) on the real
/// sandbox, with writers through the proxy and the observer, under semi-sync that never falls back.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MutualPairFailoverTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FailoverRig.StartAsync(api, mutualPair: true);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Kill_9_of_a_mutual_pairs_master_fails_over_to_its_standby_with_one_writer_and_no_acknowledged_write_lost()
    {
        await _rig.EnableSemiSyncAsync();
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(50, TimeSpan.FromSeconds(20));

        SandboxReplication.StopServer(1);
        var killedAt = DateTimeOffset.UtcNow;
        var failover = await _rig.WaitForFailoverAsync(FailoverRig.FailoverLimit);

        Assert.Equal("completed", (string?)failover["state"]);
        var fenced = Step(failover, nameof(FailedMasterFenced));
        output.WriteLine($"fenced: {fenced["proof"]}: {fenced["evidence"]!.ToJsonString()}");
        Assert.Equal("ProcessGone", (string?)fenced["proof"]);
        var completed = Step(failover, nameof(FailoverCompleted));
        Assert.Equal("db2", (string?)completed["newMaster"]);
        Assert.Empty(completed["needsAttention"]!.AsArray());
        Assert.Equal("db2", await _rig.MasterAsync());
        Assert.Single(await _rig.SwitchRecordsOfAsync(Guid.Parse((string)failover["id"]!)));
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        SandboxReplication.StartServer(1);
        await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "FENCED", TimeSpan.FromSeconds(20));
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
        await FaultInvariants.AssertAsync("db2", ["db3"], load, observer, killedAt + FailoverRig.AckInFlight, output);

        // Then made writable by hand, still configured to replicate from its old standby: the guard fences it again.
        Assert.Equal(SandboxSettings.Current.MariaDb[1].Port, await ConfiguredSourcePortAsync(SandboxReplication.Primary));
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "SET GLOBAL read_only = OFF");
        await _rig.WaitForClusterEventAsync<FencedInstanceMadeReadOnly>(TimeSpan.FromSeconds(20));
        Assert.True((await _rig.ClusterEventsAsync()).OfType<FencedInstanceMadeReadOnly>().Single().ReadOnlyConfirmed);
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
    }

    private static async Task<int?> ConfiguredSourcePortAsync(MySqlHa.Replication.Servers.ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlConnector.MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        return await reader.ReadAsync() ? Convert.ToInt32(reader.GetValue(reader.GetOrdinal("Master_Port"))) : null;
    }

    [Fact]
    public async Task A_mutual_pairs_master_that_answers_is_fenced_as_a_master_through_its_agent()
    {
        // The emergency switch is refused while the master serves; the fence itself is what this checks, on a pair
        // whose master replicates from its standby (the agent refuses a plain fence there, 409). A failover holds the
        // proxy's traffic before it fences; here nothing holds it, so the writers stop first: a writer reconnecting
        // through the proxy as fast as its sessions end would make the fence refuse ("sessions keep connecting").
        await _rig.EnableSemiSyncAsync();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        await load.StopAsync();

        var proof = await _rig.ProveFencedAsync("db1");

        var evidence = $"{proof.Kind}: {string.Join("; ", proof.Evidence)}";
        output.WriteLine(evidence);
        Assert.True(proof.Kind == FencingProofKind.ReadOnly, evidence);
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
    }
}
