using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// Faults on the real sandbox, with writers going through the proxy and an observer sampling every server, the
/// whole time. Each test checks the invariants of <see cref="FaultInvariants"/> after its fault.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FailoverTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(40);
    private FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FailoverRig.StartAsync(api);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private static JsonNode Step(JsonNode operation, string name) =>
        operation["steps"]!.AsArray().Single(s => (string?)s!["event"] == name)!["data"]!;

    private static string Survivor(string newMaster) => newMaster == "db2" ? "db3" : "db2";

    private void Report(JsonNode failover)
    {
        var completed = Step(failover, nameof(FailoverCompleted));
        output.WriteLine($"failover to {completed["newMaster"]}; phases (s): {completed["phaseSeconds"]!.ToJsonString()}");
        output.WriteLine($"evidence: {Step(failover, nameof(FailoverStarted))["evidence"]!.ToJsonString()}");
    }

    [Fact]
    public async Task Kill_9_of_the_master_fails_over_without_losing_an_acknowledged_write_and_the_old_master_returns_fenced()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(50, TimeSpan.FromSeconds(20));

        SandboxReplication.StopServer(1);
        var killedAt = DateTimeOffset.UtcNow;
        var failover = await _rig.WaitForFailoverAsync(FailoverLimit);

        Assert.Equal("completed", (string?)failover["state"]);
        Report(failover);
        var completed = Step(failover, nameof(FailoverCompleted));
        var newMaster = (string)completed["newMaster"]!;
        Assert.Contains(newMaster, new[] { "db2", "db3" });
        Assert.Equal("db1", (string?)completed["oldMaster"]);
        Assert.False(string.IsNullOrEmpty((string?)completed["oldMasterLastGtidExecuted"]));
        Assert.NotNull((string?)completed["newMasterBinlogFile"]);
        Assert.Empty(completed["needsAttention"]!.AsArray());
        Assert.Equal(newMaster, await _rig.MasterAsync());
        Assert.NotNull((await _rig.ClusterAsync())["automaticFailoverBlockedUntil"]);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        // A crashed master restarts read-only (its configuration says so) and stays out: fenced.
        SandboxReplication.StartServer(1);
        await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "FENCED", TimeSpan.FromSeconds(20));
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));

        await FaultInvariants.AssertAsync(newMaster, [Survivor(newMaster)], load, observer, killedAt, output);
    }

    [Fact]
    public async Task The_masters_agent_killed_while_mysqld_serves_is_no_reason_to_fail_over()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        _rig.Agents[0].Dispose();
        await Task.Delay(TimeSpan.FromSeconds(8));

        Assert.Null(await _rig.LatestFailoverAsync());
        Assert.Equal("db1", await _rig.MasterAsync());
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(10));
        await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, DateTimeOffset.MinValue, output);
    }

    [Fact]
    public async Task A_controller_cut_off_from_a_master_its_replicas_still_see_raises_an_alert_and_does_not_fail_over()
    {
        await using var observer = WritableObserver.Start();
        using (LoopbackPartition.CutOffRootFrom(SandboxReplication.Primary.Port))
        {
            // The replicas replicate as the mysql user and keep their connections; the controller, the master's agent
            // and the proxy (root) lose the master.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!(await _rig.ClusterEventsAsync()).OfType<MasterUnreachable>().Any())
            {
                Assert.True(DateTime.UtcNow < deadline, "no MasterUnreachable alert within 15 s");
                await Task.Delay(200);
            }
            await Task.Delay(TimeSpan.FromSeconds(3));
            var alert = (await _rig.ClusterEventsAsync()).OfType<MasterUnreachable>().Single();
            output.WriteLine($"alert: {alert.Reason}; {string.Join("; ", alert.Evidence)}");
            Assert.Contains("still replicate from it", alert.Reason);
            Assert.Null(await _rig.LatestFailoverAsync());
        }
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        Assert.Equal("db1", await _rig.MasterAsync());
        await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, DateTimeOffset.MinValue, output);
    }

    [Fact]
    public async Task A_hung_master_is_failed_over_and_ends_read_only_and_fenced_when_it_resumes()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort);
        await load.WaitForAcknowledgedAsync(50, TimeSpan.FromSeconds(20));

        SandboxReplication.SuspendServer(1);
        var failover = await _rig.WaitForFailoverAsync(FailoverLimit);
        Assert.Equal("completed", (string?)failover["state"]);
        Report(failover);
        var newMaster = (string)Step(failover, nameof(FailoverCompleted))["newMaster"]!;
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));

        SandboxReplication.ResumeServer(1);
        var resumedAt = DateTimeOffset.UtcNow;
        await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "FENCED", TimeSpan.FromSeconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only") != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the resumed old master is still writable after 10 s");
            await Task.Delay(100);
        }
        var readOnlyAfter = DateTimeOffset.UtcNow - resumedAt;
        output.WriteLine($"the resumed old master was read-only {readOnlyAfter.TotalMilliseconds:0} ms after SIGCONT");

        // The fencing deadline: the guard acts within a monitor round or two of seeing the server writable again.
        await FaultInvariants.AssertAsync(newMaster, [Survivor(newMaster)], load, observer, resumedAt + TimeSpan.FromSeconds(3), output);
    }
}
