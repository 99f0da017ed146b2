using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Audit;

/// <summary>A real switchover through the agents, seen by the metrics, the operations listing and the event queries.</summary>
[Collection(ApiCollection.Name)]
public sealed class SwitchoverAuditTests(ApiFactory api) : IAsyncLifetime
{
    private const string ClusterName = "audit";
    private readonly ClusterClient _client = new(api.CreateClient());
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
        _cluster = await _client.RegisterSandboxClusterAsync(ClusterName);
        await api.AgentsForAsync(ClusterName);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The value of one sample in the Api's /metrics, 0 before it was first recorded.</summary>
    private async Task<double> SampleAsync(string sample)
    {
        var line = (await _client.Http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(sample.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private async Task<JsonArray> OperationsAsync(string query) => JsonNode.Parse(await _client.Http.GetStringAsync($"/api/operations?{query}"))!.AsArray();

    private async Task<List<string?>> EventTypesAsync(string query) =>
        JsonNode.Parse(await _client.Http.GetStringAsync($"/api/events?limit=500&{query}"))!["events"]!.AsArray().Select(e => (string?)e!["type"]).ToList();

    [Fact]
    public async Task A_switchover_is_counted_and_timed_when_it_ends_listed_as_completed_and_found_by_cluster_operation_and_instance()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
        const string labels = "{kind=\"switchover\",outcome=\"completed\"}";
        var (countedBefore, timedBefore, secondsBefore) = (await SampleAsync("mysqlha_operations_total" + labels),
            await SampleAsync("mysqlha_operation_duration_seconds_count" + labels), await SampleAsync("mysqlha_operation_duration_seconds_sum" + labels));

        var started = await _client.Http.PostAsJsonAsync($"/api/clusters/{_cluster}/switchover", new { candidate = "db3" });
        await started.AssertStatusAsync(HttpStatusCode.Accepted);
        var operation = Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await OperationsAsync($"cluster={_cluster}&state=running")).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"operation {operation} did not end within 60 s");
            await Task.Delay(200);
        }

        Assert.Equal(countedBefore + 1, await SampleAsync("mysqlha_operations_total" + labels));
        Assert.Equal(timedBefore + 1, await SampleAsync("mysqlha_operation_duration_seconds_count" + labels));
        Assert.True(await SampleAsync("mysqlha_operation_duration_seconds_sum" + labels) > secondsBefore);

        var listed = Assert.Single(await OperationsAsync($"kind=switchover&state=completed&cluster={_cluster}"))!;
        Assert.Equal(operation.ToString(), (string?)listed["id"]);
        Assert.Equal(_cluster.ToString(), (string?)listed["clusterId"]);

        var ofCluster = await EventTypesAsync($"cluster={_cluster}");
        Assert.Contains("cluster_registered", ofCluster);
        Assert.Contains("switchover_requested", ofCluster);
        Assert.Contains("master_switched", ofCluster);
        var ofOperation = await EventTypesAsync($"operation={operation}&order=asc");
        Assert.Equal("operation_started", ofOperation[0]);
        // The cluster is freed (on its own stream, at once) before the step's own events are committed.
        Assert.Contains("operation_ended", ofOperation);
        Assert.Contains("switchover_completed", ofOperation);
        var ofCandidate = await EventTypesAsync($"operation={operation}&instance=db3");
        Assert.Contains("switchover_requested", ofCandidate);
        Assert.Contains("switchover_pre_checked", ofCandidate);
        Assert.Contains("candidate_caught_up", ofCandidate);
        Assert.Contains("replica_promoted", ofCandidate);
        Assert.Contains("master_switched", ofCandidate);
        Assert.DoesNotContain("operation_started", ofCandidate);
    }
}
