using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Tests.Failover;

/// <summary>The leading controller is killed in the middle of a failover; the next one resumes it from what Marten holds.</summary>
[Collection(SandboxCollection.Name)]
public sealed class FailoverDurabilityTests : IDisposable
{
    private const string ClusterName = "crash-failover";
    private readonly ProcessRig _rig = new("crash-failover");

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Controller_killed_while_the_candidate_applies_its_relay_log_is_resumed_by_the_next_and_promotes_once()
    {
        var (first, client, cluster, agents) = await _rig.StartClusterAsync(ClusterName);
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        var policy = await client.Http.PutAsJsonAsync($"/api/clusters/{cluster}/failover-policy",
            new { priorities = new Dictionary<string, int> { ["db2"] = 10 } });
        Assert.True(policy.IsSuccessStatusCode, await policy.Content.ReadAsStringAsync());

        // db2 is held behind, so that the saga waits in its relay-log step when the controller dies.
        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);
        var lastWrite = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_binlog_pos");
        SandboxReplication.StopServer(1);
        var operation = await RunningOperationAsync(client, cluster);
        await client.WaitForStepAsync(operation, nameof(FailedMasterFenced));

        first.KillHard();
        var (_, resumed) = await _rig.StartApiAsync();
        await heldBack.ReleaseAsync();
        var ended = await resumed.WaitForStepAsync(operation, nameof(FailoverCompleted));

        var steps = ended["steps"]!.AsArray().Select(s => (string)s!["event"]!).ToList();
        foreach (var step in new[] { nameof(FailoverStarted), nameof(FailedMasterFenced), nameof(CandidateRelayLogApplied), nameof(ReplicaPromoted),
                     nameof(FailoverCompleted) })
            Assert.Equal(1, steps.Count(s => s == step));
        Assert.Contains("mysqlha_agent_commands_total{command=\"promote\",outcome=\"done\"} 1", await agents[1].Http.GetStringAsync("/metrics"));
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[1], "SELECT @@read_only"));
        var promotedAt = await SandboxReplication.ScalarAsync<string>(SandboxSettings.Current.MariaDb[1], "SELECT @@gtid_current_pos");
        Assert.Equal("", GtidSets.Missing(DatabaseFlavor.MariaDb, lastWrite!, promotedAt!));
        await resumed.WaitForStatusAsync(cluster, "db3", "OK", TimeSpan.FromSeconds(30));
    }

    private static async Task<Guid> RunningOperationAsync(ClusterClient client, Guid cluster)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var view = JsonNode.Parse(await client.Http.GetStringAsync($"/api/clusters/{cluster}"))!;
            if ((string?)view["runningOperation"] is { } running) return Guid.Parse(running);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no failover started within 30 s: {view.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
