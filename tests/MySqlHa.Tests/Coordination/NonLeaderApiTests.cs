using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Coordination;

/// <summary>Two Api processes: the one that does not lead changes no server and starts no operation; it names the leader.</summary>
[Collection(SandboxCollection.Name)]
public sealed class NonLeaderApiTests : IDisposable
{
    private readonly ProcessRig _rig = new("non-leader");

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_call_that_changes_a_server_is_refused_by_a_process_that_does_not_lead_with_the_leaders_name()
    {
        var (leader, client, cluster, _) = await _rig.StartClusterAsync("non-leader");
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        var (_, follower) = await _rig.StartApiAsync();

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Post, $"/api/clusters/{cluster}/instances/db2/pause", null),
                     (HttpMethod.Post, $"/api/clusters/{cluster}/switchover", new { candidate = "db2" }),
                     (HttpMethod.Put, $"/api/clusters/{cluster}/semi-sync", new { enabled = true }),
                 })
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await follower.Http.SendAsync(request);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {response.StatusCode} {problem.ToJsonString()}");
            Assert.EndsWith($":{leader.Id}", (string?)problem["leader"]);
        }

        // Nothing changed: db2 still replicates, no operation started, semi-sync still off.
        Assert.Equal("Yes", await SlaveSqlRunningAsync());
        var view = JsonNode.Parse(await follower.Http.GetStringAsync($"/api/clusters/{cluster}"))!;
        Assert.Null(view["runningOperation"]);
        Assert.False((bool)view["semiSync"]!["enabled"]!);
        // Reading works on any process.
        Assert.Equal(HttpStatusCode.OK, (await follower.Http.GetAsync($"/api/clusters/{cluster}/operations")).StatusCode);
    }

    private static async Task<string> SlaveSqlRunningAsync()
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxSettings.Current.MariaDb[1]);
        await using var reader = await new MySqlConnector.MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetString(reader.GetOrdinal("Slave_SQL_Running"));
    }
}
