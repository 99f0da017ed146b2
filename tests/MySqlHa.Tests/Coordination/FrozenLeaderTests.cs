using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Switchover;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Coordination;

/// <summary>
/// A leading Api process frozen (SIGSTOP) past its lease in the middle of a switchover, while a second process takes
/// over, then let run again: by its own clock it knows its lease may be gone, and sends nothing.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class FrozenLeaderTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ProcessRig _rig = new("frozen-leader");

    public Task InitializeAsync()
    {
        SandboxReplication.Reset();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _rig.Dispose();
        SandboxReplication.Reset();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_leader_frozen_past_its_lease_sends_no_agent_command_when_it_runs_again()
    {
        var (first, client, cluster, agents) = await _rig.StartClusterAsync("frozen");
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2");
        var (second, _) = await _rig.StartApiAsync();
        using var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _rig.Prefix });

        // The saga waits in the catch-up (the candidate held back) when the leader freezes.
        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);
        var started = await client.Http.PostAsJsonAsync($"/api/clusters/{cluster}/switchover", new { candidate = "db2", catchUpTimeoutSeconds = 120 });
        var operation = Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!);
        await client.WaitForStepAsync(operation, nameof(OldMasterFrozen));
        first.Suspend();
        try
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(30);
                 !(await etcd.Client.GetValAsync(etcd.Keys.ControllerLeader)).EndsWith($":{second.Id}", StringComparison.Ordinal); await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, "the second Api never took over");
            // The catch-up is answered while the old leader is frozen: when it runs again, its next step is the promotion.
            await heldBack.ReleaseAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            first.Resume();
        }
        await Task.Delay(TimeSpan.FromSeconds(5));

        var candidateAgent = await agents[1].Http.GetStringAsync("/metrics");
        var commands = candidateAgent.Split('\n').Where(l => l.StartsWith("mysqlha_agent_commands_total{", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join(Environment.NewLine, commands));
        Assert.DoesNotContain(commands, c => c.Contains("promote", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("stale-fencing-token", StringComparison.Ordinal));
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[1], "SELECT @@read_only"));
        Assert.Contains("no longer leads", first.Output);
        Assert.EndsWith($":{second.Id}", await etcd.Client.GetValAsync(etcd.Keys.ControllerLeader));
    }
}
