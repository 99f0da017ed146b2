using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using Xunit.Abstractions;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// A master whose agent sees its process go (nothing listens on its port any more) is judged at once: the leader
/// hears it through etcd, probes the cluster's servers and fails over without waiting out the confirmation period,
/// which here is set to a minute so that only the agent's report can start the failover in time. A master gone with
/// its agent is judged without waiting for the agent's lease to run out: its registration's last word, "mysqld up",
/// counts for nothing once nothing answers at the agent's address.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentReportedDeathTests(ITestOutputHelper output) : IDisposable
{
    private readonly ProcessRig _rig = new("agent-death");

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Kill_9_of_the_master_fails_over_on_its_agents_report_without_waiting_for_the_confirmation_period()
    {
        var (_, client, cluster, _) = await _rig.StartClusterAsync("agent-death", apiSettings: new Dictionary<string, string?>
        {
            ["MySqlHa__Failover__ConfirmFor"] = "00:01:00",
        });
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        await SandboxReplication.WriteAndReplicateAsync();

        SandboxReplication.StopServer(1);
        var operation = await FirstFailoverAsync(client, cluster, TimeSpan.FromSeconds(30), "although the confirmation period is a minute");
        var view = await client.WaitForOperationEndAsync(operation);
        output.WriteLine(view.ToJsonString());

        Assert.Equal("completed", (string?)view["state"]);
        var started = Step(view, nameof(FailoverStarted));
        Assert.Contains(started["evidence"]!.AsArray(), e => ((string?)e)!.Contains("nothing listens on its port", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_master_gone_with_its_agent_fails_over_long_before_the_agents_lease_runs_out()
    {
        var (_, client, cluster, agents) = await _rig.StartClusterAsync("agent-death", agentSettings: n => n == 1
            ? new Dictionary<string, string?> { ["MYSQLHA_AGENT_LeaseTtl"] = "00:02:00" }
            : new Dictionary<string, string?>());
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        await SandboxReplication.WriteAndReplicateAsync();

        // Killed, not stopped: its registration stays in etcd for two minutes, still saying that mysqld is up.
        agents[0].Dispose();
        SandboxReplication.StopServer(1);
        var operation = await FirstFailoverAsync(client, cluster, TimeSpan.FromSeconds(30), "although nothing answers on the master's host");
        var view = await client.WaitForOperationEndAsync(operation);
        output.WriteLine(view.ToJsonString());

        Assert.Equal("completed", (string?)view["state"]);
        Assert.Equal("HostUnreachable", (string?)Step(view, nameof(FailedMasterFenced))["proof"]);
        Assert.Contains(Step(view, nameof(FailoverStarted))["evidence"]!.AsArray(), e => ((string?)e)!.Contains("nothing answers at its agent's address", StringComparison.Ordinal));
    }

    private static async Task<Guid> FirstFailoverAsync(ClusterClient client, Guid cluster, TimeSpan limit, string although)
    {
        for (var deadline = DateTime.UtcNow + limit; ; await Task.Delay(100))
        {
            var listed = JsonNode.Parse(await client.Http.GetStringAsync($"/api/operations?cluster={cluster}&kind=failover"))!.AsArray();
            if (listed.FirstOrDefault() is { } first) return Guid.Parse((string)first["id"]!);
            Assert.True(DateTime.UtcNow < deadline, $"no failover started within {limit}, {although}");
        }
    }
}
