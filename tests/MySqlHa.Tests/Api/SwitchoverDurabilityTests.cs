using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Tests.Api;

/// <summary>The Api process is killed in the middle of a switchover; a new one resumes it from what Marten holds.</summary>
[Collection(SandboxCollection.Name)]
public sealed class SwitchoverDurabilityTests : IDisposable
{
    private const string ClusterName = "crash";
    private readonly ProcessRig _rig = new("crash");

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Api_killed_while_the_old_master_drains_its_transactions_is_resumed_and_the_freeze_is_applied_once()
    {
        var (first, client, cluster, agents) = await ArrangeAsync();

        // An open transaction on the old master holds the saga in the switch step (its bounded drain) when the process dies.
        await using var application = await SandboxReplication.OpenAsync(SandboxReplication.Primary);
        await new MySqlCommand("BEGIN; INSERT INTO mysqlha_test.marks VALUES ()", application).ExecuteNonQueryAsync();
        var operation = await StartSwitchoverAsync(client, cluster, transactionWaitSeconds: 60);
        await client.WaitForTrafficHeldAsync(cluster);
        await Task.Delay(500);
        first.KillHard();
        var (_, resumed) = await _rig.StartApiAsync();
        await new MySqlCommand("COMMIT", application).ExecuteNonQueryAsync();
        var committed = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_binlog_pos");
        var ended = await resumed.WaitForStepAsync(operation, nameof(SwitchoverCompleted));

        var steps = ended["steps"]!.AsArray().Select(s => (string)s!["event"]!).ToList();
        Assert.Equal(1, steps.Count(s => s == nameof(OldMasterFrozen)));
        Assert.Equal(1, steps.Count(s => s == nameof(SwitchoverCompleted)));
        var metrics = await agents[0].Http.GetStringAsync("/metrics");
        Assert.Contains("mysqlha_agent_commands_total{command=\"freeze\",outcome=\"done\"} 1", metrics);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[1], "SELECT @@read_only"));
        // The transaction committed during the drain reached the new master.
        var newMasterPosition = await SandboxReplication.ScalarAsync<string>(SandboxSettings.Current.MariaDb[1], "SELECT @@gtid_current_pos");
        Assert.Equal("", GtidSets.Missing(DatabaseFlavor.MariaDb, committed!, newMasterPosition!));
    }

    private async Task<(ServiceProcess Api, ClusterClient Client, Guid Cluster, List<AgentHarness> Agents)> ArrangeAsync()
    {
        var (api, client, cluster, agents) = await _rig.StartClusterAsync(ClusterName);
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2");
        return (api, client, cluster, agents);
    }

    private static async Task<Guid> StartSwitchoverAsync(ClusterClient client, Guid cluster, double transactionWaitSeconds = 5)
    {
        var started = await client.Http.PostAsJsonAsync($"/api/clusters/{cluster}/switchover",
            new { candidate = "db2", catchUpTimeoutSeconds = 120, transactionWaitSeconds });
        return Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!);
    }

    [Fact]
    public async Task Api_killed_while_the_candidate_catches_up_is_resumed_by_the_next_process_and_no_step_runs_twice()
    {
        var (first, client, cluster, _) = await ArrangeAsync();

        // Hold the candidate back, so that the saga is caught in the switch step's catch-up when the process dies.
        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);
        var operation = await StartSwitchoverAsync(client, cluster);
        await SandboxReplication.WaitForCatchUpAsync(SandboxSettings.Current.MariaDb[1], TimeSpan.FromSeconds(20));

        first.KillHard();
        var (_, resumed) = await _rig.StartApiAsync();
        await heldBack.ReleaseAsync();
        var ended = await resumed.WaitForStepAsync(operation, nameof(SwitchoverCompleted));

        var steps = ended["steps"]!.AsArray().Select(s => (string)s!["event"]!).ToList();
        foreach (var step in new[] { nameof(OldMasterFrozen), nameof(CandidateCaughtUp), nameof(ReplicaPromoted), nameof(SwitchoverCompleted) })
            Assert.Equal(1, steps.Count(s => s == step));
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[1], "SELECT @@read_only"));
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
        await resumed.WaitForStatusAsync(cluster, "db1", "OK", TimeSpan.FromSeconds(30));
    }
}
