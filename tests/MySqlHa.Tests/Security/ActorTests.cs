using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Api.Security.ApiKeys;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Tests.Security;

/// <summary>Every state-changing call records who made it, on the events of the call and of the saga it starts.</summary>
[Collection(ApiCollection.Name)]
public sealed class ActorTests(ApiFactory api) : IAsyncLifetime
{
    private const string ClusterName = "actors";

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_switchover_names_the_key_that_asked_on_every_step_and_the_monitor_names_the_controller()
    {
        var admin = new ClusterClient(api.CreateClient());
        var cluster = await admin.RegisterSandboxClusterAsync(ClusterName);
        await api.AgentsForAsync(ClusterName);
        await admin.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        var created = await admin.Http.PostAsJsonAsync("/api/keys", new { name = "oncall", role = "operator" });
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var oncall = api.CreateClient();
        oncall.DefaultRequestHeaders.Remove(ApiKeyAuthentication.Header);
        oncall.DefaultRequestHeaders.Add(ApiKeyAuthentication.Header, (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["secret"]!);

        var started = await oncall.PostAsJsonAsync($"/api/clusters/{cluster}/switchover", new { candidate = "db2" });
        await started.AssertStatusAsync(HttpStatusCode.Accepted);
        var operation = Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!);
        var view = await admin.WaitForOperationEndAsync(operation);

        Assert.Equal("completed", (string?)view["state"]);
        var steps = view["steps"]!.AsArray();
        Assert.True(steps.Count > 5, view.ToJsonString());
        Assert.All(steps, step => Assert.Equal("key:oncall", (string?)step!["actor"]));

        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var clusterEvents = await session.Events.FetchStreamAsync(cluster);
        Assert.Equal("key:bootstrap", clusterEvents.Single(e => e.Data is ClusterRegistered).UserName);
        Assert.All(clusterEvents.Where(e => e.Data is OperationStarted or OperationEnded), e => Assert.Equal("key:oncall", e.UserName));
        Assert.Contains(clusterEvents, e => e.Data is InstanceStatusChanged && e.UserName == "controller");
    }
}
