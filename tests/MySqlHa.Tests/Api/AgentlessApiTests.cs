using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

/// <summary>An Api with no agent token leads, but changes no server: every change goes through the agents.</summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentlessApiTests : IAsyncLifetime
{
    private readonly ApiFactory _factory = new();
    private WebApplicationFactory<Program> _api = null!;

    public async Task InitializeAsync()
    {
        await ApiProcess.DropSchemaAsync("test_agentless");
        _api = _factory.WithWebHostBuilder(builder => builder
            .UseSetting("MySqlHa:Agents:TokenFile", "")
            .UseSetting("MySqlHa:Schema", "test_agentless")
            .UseSetting("Etcd:Prefix", $"/mysqlha-test-agentless-{Guid.NewGuid():N}"));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Without_an_agent_token_lifecycle_and_semi_sync_changes_are_503_and_change_nothing()
    {
        var client = new ClusterClient(_api.CreateClient());
        var cluster = await client.RegisterSandboxClusterAsync("agentless");
        // Our records only: no agent needed.
        await client.SucceedAsync(cluster, "db1", "register", "master");

        var (paused, problem) = await client.OperateAsync(cluster, "db1", "pause");
        var semiSync = await client.Http.PutAsJsonAsync($"/api/clusters/{cluster}/semi-sync", new { enabled = true });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, paused);
        Assert.Contains("TokenFile nor MySqlHa:Agents:TokenFolder is set", (string?)problem["detail"]);
        await semiSync.AssertStatusAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
        Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_enabled"));
    }
}
