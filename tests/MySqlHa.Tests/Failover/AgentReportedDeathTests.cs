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
/// which here is set to a minute so that only the agent's report can start the failover in time.
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
        var operation = await FirstFailoverAsync(client, cluster, TimeSpan.FromSeconds(30));
        var view = await client.WaitForOperationEndAsync(operation);
        output.WriteLine(view.ToJsonString());

        Assert.Equal("completed", (string?)view["state"]);
        var started = Step(view, nameof(FailoverStarted));
        Assert.Contains(started["evidence"]!.AsArray(), e => ((string?)e)!.Contains("nothing listens on its port", StringComparison.Ordinal));
    }

    private static async Task<Guid> FirstFailoverAsync(ClusterClient client, Guid cluster, TimeSpan limit)
    {
        for (var deadline = DateTime.UtcNow + limit; ; await Task.Delay(100))
        {
            var listed = JsonNode.Parse(await client.Http.GetStringAsync($"/api/operations?cluster={cluster}&kind=failover"))!.AsArray();
            if (listed.FirstOrDefault() is { } first) return Guid.Parse((string)first["id"]!);
            Assert.True(DateTime.UtcNow < deadline, $"no failover started within {limit}, although the confirmation period is a minute");
        }
    }
}
