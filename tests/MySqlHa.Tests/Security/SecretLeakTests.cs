using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Tests.Webhooks;

namespace MySqlHa.Tests.Security;

/// <summary>
/// A whole working life of one Api process and its agents (registration, the lifecycle, semi-sync, a switchover,
/// keys, a webhook delivered), then every place a secret could surface is searched for every secret the sandbox
/// holds, and for the paths of the files that hold them: the processes' logs, the events, every answer the Api gives
/// and /metrics.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class SecretLeakTests : IAsyncLifetime
{
    private const string Schema = "test_secret_leak";
    private const string ClusterName = "leak";
    private readonly string _prefix = $"/mysqlha-test-secret-leak-{Guid.NewGuid():N}";
    private readonly List<AgentHarness> _agents = [];
    private ServiceProcess? _api;

    public async Task InitializeAsync()
    {
        SandboxReplication.Reset();
        await ApiProcess.DropSchemaAsync(Schema);
    }

    public Task DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        _api?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task No_log_event_answer_or_metric_holds_a_secret_or_the_path_of_one()
    {
        // Every log line the Api writes, the framework's included.
        (_api, var client) = await ApiProcess.StartAsync(_prefix, Schema, settings: new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Information",
            ["MySqlHa__Webhooks__PollInterval"] = "00:00:00.100",
        });
        var http = client.Http;
        using var receiver = new WebhookReceiver();
        var subscription = await http.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = new[] { "*" } });
        await subscription.AssertStatusAsync(HttpStatusCode.Created);
        var webhookSecret = (string)JsonNode.Parse(await subscription.Content.ReadAsStringAsync())!["secret"]!;
        var viewerKeyFile = await client.CreateKeyFileAsync("auditor", "viewer");

        var cluster = await client.RegisterSandboxClusterAsync(ClusterName);
        _agents.AddRange(await AgentHarness.StartBesideEachServerAsync(_prefix, ClusterName));
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        await (await http.PutAsJsonAsync($"/api/clusters/{cluster}/semi-sync", new { enabled = true })).AssertStatusAsync(HttpStatusCode.OK);
        await client.SucceedAsync(cluster, "db3", "pause");
        await client.SucceedAsync(cluster, "db3", "resume");
        var switchover = await http.PostAsJsonAsync($"/api/clusters/{cluster}/switchover", new { candidate = "db2" });
        await switchover.AssertStatusAsync(HttpStatusCode.Accepted);
        var operation = (string)JsonNode.Parse(await switchover.Content.ReadAsStringAsync())!["operationId"]!;
        Assert.Equal("completed", (string?)(await client.WaitForOperationEndAsync(Guid.Parse(operation)))["state"]);
        await (await http.PutAsJsonAsync($"/api/clusters/{cluster}/semi-sync", new { enabled = false })).AssertStatusAsync(HttpStatusCode.OK);
        await receiver.WaitUntilAsync(r => r.Accepted.Any(d => d.Body.Contains("SwitchoverCompleted")), "the switchover was never delivered");

        var places = new Dictionary<string, string>
        {
            ["the Api's log"] = _api.Output,
            ["the agents' logs"] = string.Join("\n", _agents.Select(a => a.Output)),
            ["the events"] = await EventsAsync(),
            ["the webhook deliveries"] = string.Join("\n", receiver.Received.Select(r => r.Body)),
            ["the answers"] = await EveryAnswerAsync(http, cluster, operation),
        };
        var secrets = new Dictionary<string, string>
        {
            ["the MariaDB admin password"] = SandboxSettings.Current.Admin.ReadPassword(),
            ["the MariaDB replication password"] = SandboxSettings.Current.Replication.ReadPassword(),
            ["the PostgreSQL password"] = new Npgsql.NpgsqlConnectionStringBuilder(SandboxSettings.Current.Postgres).Password!,
            ["the agents' token"] = AgentToken.Value,
            ["the bootstrap admin key"] = AdminKey.Value.Secret,
            ["a viewer key"] = (await File.ReadAllTextAsync(viewerKeyFile)).Trim(),
            ["the webhook secret"] = webhookSecret,
            ["the Api's secrets folder"] = SandboxSettings.Current.ApiSecrets,
            ["the sandbox's secrets folder"] = Path.GetDirectoryName(SandboxSettings.Current.Admin.Secret)!,
            ["the agents' token file"] = AgentToken.File,
            ["the admin key file"] = AdminKey.File,
        };

        var found = (from secret in secrets from place in places where place.Value.Contains(secret.Value) select $"{secret.Key} in {place.Key}").ToList();
        Assert.True(found.Count == 0, string.Join("; ", found));
        Assert.All(places, place => Assert.True(place.Value.Length > 1000, $"{place.Key} hold almost nothing: the search proves nothing"));
        File.Delete(viewerKeyFile);
    }

    /// <summary>Every stored event, its data and its actor.</summary>
    private static async Task<string> EventsAsync()
    {
        await using var postgres = new Npgsql.NpgsqlConnection(SandboxSettings.Current.Postgres);
        await postgres.OpenAsync();
        await using var reader = await new Npgsql.NpgsqlCommand($"SELECT data::text || ' ' || coalesce(user_name, '') FROM {Schema}.mt_events", postgres)
            .ExecuteReaderAsync();
        var events = new StringBuilder();
        while (await reader.ReadAsync()) events.AppendLine(reader.GetString(0));
        return events.ToString();
    }

    /// <summary>Every read the Api offers, on everything the test made, with /metrics and /healthz.</summary>
    private static async Task<string> EveryAnswerAsync(HttpClient http, Guid cluster, string operation)
    {
        var answers = new StringBuilder();
        var webhooks = JsonNode.Parse(await http.GetStringAsync("/api/webhooks"))!.AsArray();
        string[] reads =
        [
            "/api/clusters", $"/api/clusters/{cluster}", $"/api/clusters/{cluster}/topology", $"/api/clusters/{cluster}/operations",
            $"/api/clusters/{cluster}/failover-policy", $"/api/clusters/{cluster}/instances/db1/stats", $"/api/operations/{operation}",
            "/api/operations", "/api/keys", "/api/webhooks", "/api/events?limit=500", "/api/events?limit=500&order=asc", "/metrics", "/healthz",
            .. webhooks.Select(w => $"/api/webhooks/{(string)w!["id"]!}"), .. webhooks.Select(w => $"/api/webhooks/{(string)w!["id"]!}/deliveries"),
        ];
        foreach (var read in reads)
        {
            var response = await http.GetAsync(read);
            await response.AssertStatusAsync(HttpStatusCode.OK);
            answers.AppendLine(await response.Content.ReadAsStringAsync());
        }
        return answers.ToString();
    }
}
