using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class ClusterRegistrationTests(ApiFactory api) : IAsyncLifetime
{
    private readonly HttpClient _http = api.CreateClient();

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static object Registration(string name = "orders", string flavor = "mariadb", IEnumerable<object>? instances = null) => new
    {
        name,
        flavor,
        instances = instances ?? SandboxSettings.Current.MariaDb.Select((e, i) => new { name = $"db{i + 1}", host = e.Host, port = e.Port }),
        adminCredentials = new { user = SandboxSettings.Current.Admin.User, secret = SandboxSettings.Current.Admin.AsNamedSecret().Secret },
        replicationCredentials = new { user = SandboxSettings.Current.Replication.User, secret = SandboxSettings.Current.Replication.AsNamedSecret().Secret },
    };

    [Fact]
    public async Task Registered_cluster_shows_the_live_topology_with_both_replicas_following_the_primary()
    {
        var primaryPosition = await SandboxReplication.WriteAndReplicateAsync();

        var created = await _http.PostAsJsonAsync("/api/clusters", Registration());
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var location = created.Headers.Location!.ToString();

        var cluster = JsonNode.Parse(await _http.GetStringAsync(location))!;
        Assert.Equal("orders", (string?)cluster["name"]);
        Assert.Equal("mariadb", (string?)cluster["flavor"]);
        var topology = cluster["topology"]!;
        Assert.Equal(["db1"], topology["writablePrimaries"]!.AsArray().Select(n => (string?)n));
        var instances = topology["instances"]!.AsArray().ToDictionary(i => (string)i!["name"]!);
        Assert.Null((string?)instances["db1"]!["replicatesFrom"]);
        foreach (var replica in new[] { "db2", "db3" })
        {
            Assert.Equal("db1", (string?)instances[replica]!["replicatesFrom"]);
            var snapshot = instances[replica]!["snapshot"]!;
            Assert.True((bool)snapshot["readOnly"]!);
            Assert.Equal(primaryPosition, (string?)snapshot["gtidExecuted"]);
            Assert.Equal("Running", (string?)snapshot["replication"]!["ioThread"]);
            Assert.Equal(0, (long?)snapshot["replication"]!["secondsBehindSource"]);
        }
    }

    [Fact]
    public async Task Registration_is_recorded_as_an_event_that_names_the_secrets_and_holds_neither_a_password_nor_a_path()
    {
        var created = await _http.PostAsJsonAsync("/api/clusters", Registration());
        await created.AssertStatusAsync(HttpStatusCode.Created);

        var store = api.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var rawEvents = await session.QueryAsync<string>($"select data::text from {ApiFactory.Schema}.mt_events where type = 'cluster_registered'");
        var registered = Assert.Single(rawEvents);
        Assert.Contains($"\"{SandboxSettings.Current.Admin.AsNamedSecret().Secret}\"", registered);
        Assert.DoesNotContain(SandboxSettings.Current.ApiSecrets, registered);
        Assert.DoesNotContain(SandboxSettings.Current.ApiSecrets, await _http.GetStringAsync("/api/clusters"));
        Assert.DoesNotContain(SandboxSettings.Current.Admin.ReadPassword(), registered);
        Assert.DoesNotContain(SandboxSettings.Current.Replication.ReadPassword(), registered);
        Assert.Contains("10.11", registered);
    }

    [Fact]
    public async Task A_secret_given_as_a_path_or_an_unknown_name_is_refused_and_nothing_is_sent_to_the_server()
    {
        var registration = (string secret) => new
        {
            name = "paths",
            flavor = "mariadb",
            instances = new[] { new { name = "db1", host = "127.0.0.1", port = SandboxReplication.Primary.Port } },
            adminCredentials = new { user = SandboxSettings.Current.Admin.User, secret },
        };

        var asPath = await PostExpectingProblemAsync(registration(SandboxSettings.Current.Admin.Secret), HttpStatusCode.BadRequest);
        var escaping = await PostExpectingProblemAsync(registration("../secrets/mariadb-admin.password"), HttpStatusCode.BadRequest);
        var unknown = await PostExpectingProblemAsync(registration("no-such-secret"), HttpStatusCode.BadRequest);

        Assert.Contains("a name, not a path", Errors(asPath)["adminCredentials.secret"]);
        Assert.Contains("a name, not a path", Errors(escaping)["adminCredentials.secret"]);
        Assert.Contains("no secret is named 'no-such-secret'", Errors(unknown)["adminCredentials.secret"]);
        Assert.Equal("[]", await _http.GetStringAsync("/api/clusters"));
    }

    [Fact]
    public async Task An_instance_that_another_cluster_manages_is_refused_with_409()
    {
        await (await _http.PostAsJsonAsync("/api/clusters", Registration())).AssertStatusAsync(HttpStatusCode.Created);
        var overlapping = new object[] { new { name = "again", host = "127.0.0.1", port = SandboxReplication.Primary.Port } };

        var problem = await PostExpectingProblemAsync(Registration(name: "shadow", instances: overlapping), HttpStatusCode.Conflict);

        Assert.Contains($"127.0.0.1:{SandboxReplication.Primary.Port} is managed by cluster 'orders'", (string?)problem["detail"]);
        Assert.DoesNotContain("shadow", await _http.GetStringAsync("/api/clusters"));
    }

    [Fact]
    public async Task Unknown_flavor_is_refused_naming_the_field()
    {
        var problem = await PostExpectingProblemAsync(Registration(flavor: "oracle"), HttpStatusCode.BadRequest);

        Assert.Contains("oracle", Errors(problem)["flavor"]);
    }

    [Fact]
    public async Task Declared_flavor_that_the_servers_do_not_run_is_refused_naming_the_field()
    {
        var problem = await PostExpectingProblemAsync(Registration(flavor: "mysql"), HttpStatusCode.BadRequest);

        Assert.Contains("do not run mysql", Errors(problem)["flavor"]);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_refused_naming_the_instance_and_nothing_is_recorded()
    {
        var instances = new object[]
        {
            new { name = "db1", host = "127.0.0.1", port = SandboxReplication.Primary.Port },
            new { name = "ghost", host = "127.0.0.1", port = 1 },
        };

        var problem = await PostExpectingProblemAsync(Registration(instances: instances), HttpStatusCode.BadRequest);

        Assert.Contains("127.0.0.1:1 cannot be reached", Errors(problem)["instances[1]"]);
        Assert.Equal("[]", await _http.GetStringAsync("/api/clusters"));
    }

    [Fact]
    public async Task Duplicate_name_is_refused_with_409_naming_the_field()
    {
        await (await _http.PostAsJsonAsync("/api/clusters", Registration())).AssertStatusAsync(HttpStatusCode.Created);

        var problem = await PostExpectingProblemAsync(Registration(), HttpStatusCode.Conflict);

        Assert.Contains("already registered", Errors(problem)["name"]);
    }

    [Fact]
    public async Task Missing_credentials_and_bad_ports_are_all_reported_at_once()
    {
        var body = new { name = "Bad Name!", flavor = "mariadb", instances = new[] { new { host = "", port = 70000 } } };

        var problem = await PostExpectingProblemAsync(body, HttpStatusCode.BadRequest);

        var errors = Errors(problem);
        Assert.Contains("name", errors.Keys);
        Assert.Contains("instances[0].host", errors.Keys);
        Assert.Contains("instances[0].port", errors.Keys);
        Assert.Contains("adminCredentials", errors.Keys);
    }

    [Fact]
    public async Task Malformed_json_gets_a_problem_answer()
    {
        var response = await _http.PostAsync("/api/clusters", new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"));

        await response.AssertStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_cluster_is_a_404_problem()
    {
        var response = await _http.GetAsync($"/api/clusters/{Guid.NewGuid()}");

        await response.AssertStatusAsync(HttpStatusCode.NotFound);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonNode> PostExpectingProblemAsync(object body, HttpStatusCode expected)
    {
        var response = await _http.PostAsJsonAsync("/api/clusters", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!;
    }

    private static Dictionary<string, string> Errors(JsonNode problem) =>
        problem["errors"]!.AsObject().ToDictionary(p => p.Key, p => string.Join(" | ", p.Value!.AsArray().Select(v => (string?)v)));
}
