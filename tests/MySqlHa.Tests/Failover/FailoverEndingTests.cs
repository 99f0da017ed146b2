using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.SemiSync;
using Xunit.Abstractions;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// Every failover ends and releases its cluster, whatever throws: before the promotion it gives up and leaves the
/// cluster as it was; from the promotion on it ends needing attention with the new master standing. A killed master,
/// writers through the proxy, an observer on every server.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FailoverEndingTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FailoverRig.StartAsync(api);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_step_that_keeps_throwing_before_promotion_aborts_the_failover_and_leaves_the_candidate_receiving()
    {
        JsonNode failover;
        using (InjectedStepFaults.Throw<ReplaceFailedMaster>())
        {
            SandboxReplication.StopServer(1);
            failover = await _rig.WaitForFailoverAsync(FailoverRig.FailoverLimit);
        }

        Assert.True((string?)failover["state"] == "aborted", failover.ToJsonString());
        var aborted = Step(failover, nameof(FailoverAborted));
        output.WriteLine($"aborted at {aborted["step"]}: {aborted["reason"]}");
        Assert.Equal("prepare", (string?)aborted["step"]);
        Assert.Contains(nameof(InjectedStepFaultException), (string?)aborted["reason"]);
        Assert.Empty(Steps(failover, "ReplicaPromoted"));
        var cluster = await _rig.ClusterAsync();
        Assert.Null(cluster["runningOperation"]);
        Assert.False((bool)cluster["switching"]!);
        Assert.Equal("db1", await _rig.MasterAsync());
        Assert.False((bool)cluster["instances"]!.AsArray().Single(i => (string?)i!["name"] == "db1")!["fenced"]!);
        // Nobody was promoted: both replicas are still read-only, and their appliers run.
        Assert.Equal((1, 1), (await FailoverRig.ReadOnlyAsync("db2"), await FailoverRig.ReadOnlyAsync("db3")));
        Assert.Equal(FailoverRig.Server("db1").Port, await FailoverRig.SourcePortAsync("db2"));
        Assert.Equal(FailoverRig.Server("db1").Port, await FailoverRig.SourcePortAsync("db3"));
    }

    [Fact]
    public async Task A_step_that_keeps_throwing_after_promotion_ends_the_failover_needing_attention_with_the_new_master_standing()
    {
        // Semi-sync never falling back, so that no acknowledged write may be lost: the survivor was repointed in the
        // step that promoted, so it acknowledges the new master's writes although the failover never completes.
        await _rig.EnableSemiSyncAsync();
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        JsonNode failover;
        DateTimeOffset killedAt;
        using (InjectedStepFaults.Throw<RecordFailover>())
        {
            SandboxReplication.StopServer(1);
            killedAt = DateTimeOffset.UtcNow;
            failover = await _rig.WaitForFailoverAsync(FailoverRig.FailoverLimit);
        }

        Assert.True((string?)failover["state"] == "needsAttention", failover.ToJsonString());
        var interrupted = Step(failover, nameof(FailoverInterrupted));
        output.WriteLine(string.Join(Environment.NewLine, interrupted["needsAttention"]!.AsArray().Select(n => (string?)n)));
        Assert.Equal("record", (string?)interrupted["step"]);
        Assert.True((bool)interrupted["promoted"]!);
        var newMaster = (string)Step(failover, "ReplicaPromoted")["instance"]!;
        var survivor = newMaster == "db2" ? "db3" : "db2";
        Assert.Equal(survivor, (string?)Step(failover, "ReplicaRepointed")["instance"]);
        Assert.Equal(newMaster, await _rig.MasterAsync());
        var cluster = await _rig.ClusterAsync();
        Assert.Null(cluster["runningOperation"]);
        Assert.NotNull(cluster["automaticFailoverBlockedUntil"]);
        Assert.True((bool)cluster["instances"]!.AsArray().Single(i => (string?)i!["name"] == "db1")!["fenced"]!);
        // The survivor acknowledges: no bound on the new master's wait was needed.
        Assert.DoesNotContain(interrupted["needsAttention"]!.AsArray(), line => ((string)line!).Contains("falls back to asynchronous"));
        Assert.DoesNotContain(await _rig.ClusterEventsAsync(), e => e is SemiSyncFallbackForced);
        await load.WaitForAcknowledgedAsync(5, TimeSpan.FromSeconds(20));
        await FaultInvariants.AssertAsync(newMaster, [survivor], load, observer, killedAt + FailoverRig.AckInFlight, output);
    }
}
