using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Failover;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Coordination.Election;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Switchover;
using Xunit.Abstractions;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Switchover;

/// <summary>
/// Every switchover ends and releases its cluster, whatever throws: a step that keeps failing, a deadline that passes,
/// and, when even the ending fails, an administrator's release, with the failure detector saying all along that the
/// cluster is held. On real servers through the proxy (the rig of the fault tests), with writers and an observer.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SwitchoverEndingTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private FailoverRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await FailoverRig.StartAsync(api);
        await SandboxReplication.WriteAndReplicateAsync();
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private async Task<JsonNode> ClusterHeldByAsync()
    {
        var cluster = await _rig.ClusterAsync();
        return cluster["runningOperation"] is { } held ? held : JsonValue.Create("none")!;
    }

    private async Task<int> WritableServersAsync()
    {
        var writable = 0;
        foreach (var instance in new[] { "db1", "db2", "db3" })
            if (await FailoverRig.ReadOnlyAsync(instance) == 0) writable++;
        return writable;
    }

    [Fact]
    public async Task A_step_that_keeps_throwing_before_promotion_aborts_the_switchover_and_the_old_master_writes_again()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        JsonNode operation;
        using (InjectedStepFaults.Throw<SwitchMaster>())
            operation = await _rig.WaitForOperationEndAsync(await _rig.StartSwitchoverAsync(new { candidate = "db2" }));

        Assert.True((string?)operation["state"] == "aborted", operation.ToJsonString());
        var aborted = Step(operation, nameof(SwitchoverAborted));
        output.WriteLine($"aborted at {aborted["step"]}: {aborted["reason"]}");
        Assert.Equal("switch", (string?)aborted["step"]);
        Assert.Contains(nameof(InjectedStepFaultException), (string?)aborted["reason"]);
        Assert.True((bool)aborted["oldMasterWritable"]!);
        Assert.True((bool)aborted["candidateReadOnlyAndFollowing"]!);
        Assert.Equal("none", (string?)await ClusterHeldByAsync());
        Assert.False((bool)(await _rig.ClusterAsync())["switching"]!);
        Assert.Equal((0, 1, 1), (await FailoverRig.ReadOnlyAsync("db1"), await FailoverRig.ReadOnlyAsync("db2"), await FailoverRig.ReadOnlyAsync("db3")));
        var resumed = DateTimeOffset.UtcNow;
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, resumed, output);
    }

    [Fact]
    public async Task A_step_that_keeps_throwing_after_promotion_ends_the_switchover_needing_attention_with_one_writer()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        JsonNode operation;
        using (InjectedStepFaults.Throw<RepointFollowers>())
            operation = await _rig.WaitForOperationEndAsync(await _rig.StartSwitchoverAsync(new { candidate = "db2" }));

        Assert.True((string?)operation["state"] == "needsAttention", operation.ToJsonString());
        var interrupted = Step(operation, nameof(SwitchoverInterrupted));
        output.WriteLine(string.Join(Environment.NewLine, interrupted["needsAttention"]!.AsArray().Select(n => (string?)n)));
        Assert.Equal("repoint", (string?)interrupted["step"]);
        Assert.True((bool)interrupted["promoted"]!);
        Assert.Empty(Steps(operation, nameof(SwitchoverCompleted)));
        // The new master stands and the proxies follow it; the old master, never proven frozen at a repoint, is fenced.
        Assert.Equal("db2", await _rig.MasterAsync());
        var cluster = await _rig.ClusterAsync();
        Assert.True((bool)cluster["instances"]!.AsArray().Single(i => (string?)i!["name"] == "db1")!["fenced"]!);
        Assert.Equal("none", (string?)await ClusterHeldByAsync());
        Assert.Equal(1, await WritableServersAsync());
        Assert.Equal(0, await FailoverRig.ReadOnlyAsync("db2"));
        var resumed = DateTimeOffset.UtcNow;
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        // db1 and db3 were not repointed: the acknowledged writes are checked on the new master, which has them all.
        await FaultInvariants.AssertAsync("db2", [], load, observer, resumed, output);
        Assert.Empty(observer.TwoWritableSince(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task A_switchover_past_its_deadline_aborts_and_releases_the_cluster()
    {
        await using var observer = WritableObserver.Start();
        JsonNode operation;
        // The switch step finds this controller not leading, again and again: its retries are spread over a minute.
        using (InjectedStepFaults.Throw<SwitchMaster>(() => new NotLeadingException()))
        {
            var operationId = await _rig.StartSwitchoverAsync(new { candidate = "db2", deadlineSeconds = 4 });
            operation = await _rig.WaitForOperationEndAsync(operationId, TimeSpan.FromSeconds(30));
        }

        Assert.True((string?)operation["state"] == "aborted", operation.ToJsonString());
        var aborted = Step(operation, nameof(SwitchoverAborted));
        output.WriteLine($"aborted at {aborted["step"]}: {aborted["reason"]}");
        Assert.Contains("deadline of 4 s", (string?)aborted["reason"]);
        Assert.True((bool)aborted["oldMasterWritable"]!);
        Assert.Equal("none", (string?)await ClusterHeldByAsync());
        Assert.Equal(0, await FailoverRig.ReadOnlyAsync("db1"));
        Assert.Equal(1, await WritableServersAsync());
        Assert.Empty(observer.TwoWritableSince(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task A_cluster_held_by_a_dead_switchover_is_an_alert_when_its_master_dies_and_a_release_lets_the_failover_run()
    {
        Guid operationId;
        // Every way the switchover could end fails: it holds the cluster for good.
        using (InjectedStepFaults.Throw<SwitchMaster>())
        using (InjectedStepFaults.Throw<FailSwitchover>())
        using (InjectedStepFaults.Throw<AbortSwitchover>())
        using (InjectedStepFaults.Throw<SwitchoverDeadlinePassed>())
        {
            operationId = await _rig.StartSwitchoverAsync(new { candidate = "db2", deadlineSeconds = 3 });
            await _rig.Client.WaitForStepAsync(operationId, nameof(SwitchoverPreChecked));
            // Long enough for the step, the failure report, the abort and the deadline to have failed past their retries.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.Equal(operationId.ToString(), (string?)await ClusterHeldByAsync());

            SandboxReplication.StopServer(1);
            await _rig.WaitForClusterEventAsync<AutomaticFailoverWithheld>(TimeSpan.FromSeconds(30));
        }
        var withheld = (await _rig.ClusterEventsAsync()).OfType<AutomaticFailoverWithheld>().Single();
        output.WriteLine(withheld.Reason);
        Assert.Contains($"operation {operationId} holds the cluster", withheld.Reason);
        Assert.Equal(0, await _rig.FailoversStartedAsync());

        var refused = await _rig.Client.Http.PostAsJsonAsync($"/api/operations/{operationId}/release", new { });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var release = await _rig.Client.Http.PostAsJsonAsync($"/api/operations/{operationId}/release", new { reason = "its saga is dead (test)" });
        Assert.True(release.IsSuccessStatusCode, await release.Content.ReadAsStringAsync());
        var view = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/operations/{operationId}"))!;
        Assert.Equal("released", (string?)view["state"]);
        Assert.Contains(await _rig.ClusterEventsAsync(), e => e is OperationReleased { Reason: "its saga is dead (test)" } r && r.OperationId == operationId);
        var again = await _rig.Client.Http.PostAsJsonAsync($"/api/operations/{operationId}/release", new { reason = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Released, the cluster fails over from its dead master as it would have.
        var failover = await _rig.WaitForFailoverAsync(FailoverRig.FailoverLimit);
        Assert.True((string?)failover["state"] == "completed", failover.ToJsonString());
        Assert.NotEqual("db1", await _rig.MasterAsync());
    }
}
