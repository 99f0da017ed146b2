using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Api.Security.ApiKeys;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Security;

/// <summary>API keys and the three roles, against the real Api and its PostgreSQL.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiKeyRolesTests(ApiFactory api) : IAsyncLifetime
{
    private readonly HttpClient _admin = api.CreateClient();

    public Task InitializeAsync() => api.ResetDataAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Anonymous()
    {
        var http = api.CreateClient();
        http.DefaultRequestHeaders.Remove(ApiKeyAuthentication.Header);
        return http;
    }

    private HttpClient WithKey(string key)
    {
        var http = Anonymous();
        http.DefaultRequestHeaders.Add(ApiKeyAuthentication.Header, key);
        return http;
    }

    private async Task<(Guid Id, string Secret)> CreateKeyAsync(string name, string role)
    {
        var response = await _admin.PostAsJsonAsync("/api/keys", new { name, role });
        await response.AssertStatusAsync(HttpStatusCode.Created);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (Guid.Parse((string)body["key"]!["id"]!), (string)body["secret"]!);
    }

    private static async Task<JsonNode> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.AssertStatusAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task A_call_without_a_valid_key_is_refused_with_a_problem_that_says_why()
    {
        var none = await ProblemAsync(await Anonymous().GetAsync("/api/clusters"), HttpStatusCode.Unauthorized);
        var malformed = await ProblemAsync(await WithKey("letmein").GetAsync("/api/clusters"), HttpStatusCode.Unauthorized);
        var unknown = await ProblemAsync(await WithKey(ApiKeySecret.New().Text).GetAsync("/api/clusters"), HttpStatusCode.Unauthorized);
        var switchover = await Anonymous().PostAsJsonAsync($"/api/clusters/{Guid.NewGuid()}/switchover", new { });

        Assert.Contains("X-Api-Key", (string?)none["detail"]);
        Assert.Contains("does not hold a MySqlHa API key", (string?)malformed["detail"]);
        Assert.Contains("not known", (string?)unknown["detail"]);
        await switchover.AssertStatusAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Each_role_may_do_what_it_holds_and_is_refused_the_rest()
    {
        var viewer = WithKey((await CreateKeyAsync("dashboard", "viewer")).Secret);
        var @operator = WithKey((await CreateKeyAsync("oncall", "operator")).Secret);
        var missing = Guid.NewGuid();

        // Reads: every role. A missing cluster is 404, which proves the call got past the role check.
        await (await viewer.GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.OK);
        // Switchover and the lifecycle: operator and admin.
        var refused = await ProblemAsync(await viewer.PostAsJsonAsync($"/api/clusters/{missing}/switchover", new { }), HttpStatusCode.Forbidden);
        Assert.Contains("key:dashboard", (string?)refused["detail"]);
        Assert.Contains("operator role", (string?)refused["detail"]);
        await (await viewer.PostAsync($"/api/clusters/{missing}/instances/db1/pause", null)).AssertStatusAsync(HttpStatusCode.Forbidden);
        await (await @operator.PostAsync($"/api/clusters/{missing}/instances/db1/pause", null)).AssertStatusAsync(HttpStatusCode.NotFound);
        // Semi-sync, the failover policy, keys: admin only.
        var semiSync = await ProblemAsync(await @operator.PutAsJsonAsync($"/api/clusters/{missing}/semi-sync", new { enabled = true }), HttpStatusCode.Forbidden);
        Assert.Contains("admin role", (string?)semiSync["detail"]);
        await (await @operator.PostAsJsonAsync("/api/keys", new { name = "sneaky", role = "admin" })).AssertStatusAsync(HttpStatusCode.Forbidden);
        await (await @operator.PutAsJsonAsync($"/api/clusters/{missing}/failover-policy", new { })).AssertStatusAsync(HttpStatusCode.Forbidden);
        await (await _admin.PutAsJsonAsync($"/api/clusters/{missing}/semi-sync", new { enabled = true })).AssertStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_key_is_shown_once_stored_hashed_and_stops_working_when_revoked()
    {
        var (id, secret) = await CreateKeyAsync("ci-bot", "viewer");
        var bot = WithKey(secret);
        await (await bot.GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.OK);

        var listed = await _admin.GetStringAsync("/api/keys");
        var duplicate = await _admin.PostAsJsonAsync("/api/keys", new { name = "ci-bot", role = "viewer" });
        var badRole = await ProblemAsync(await _admin.PostAsJsonAsync("/api/keys", new { name = "x", role = "root" }), HttpStatusCode.BadRequest);
        await (await _admin.DeleteAsync($"/api/keys/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        var afterRevoke = await ProblemAsync(await bot.GetAsync("/api/clusters"), HttpStatusCode.Unauthorized);

        Assert.Contains("ci-bot", listed);
        Assert.DoesNotContain(secret, listed);
        Assert.DoesNotContain(ApiKeySecret.TryParse(secret, out var parsed) ? parsed.Hash : "unparsable", listed);
        await duplicate.AssertStatusAsync(HttpStatusCode.Conflict);
        Assert.NotNull(badRole["errors"]!["role"]);
        Assert.Contains("revoked", (string?)afterRevoke["detail"]);
        var revoked = JsonNode.Parse(await _admin.GetStringAsync("/api/keys"))!.AsArray().Single(k => (string?)k!["name"] == "ci-bot")!;
        Assert.Equal("key:bootstrap", (string?)revoked["revokedBy"]);
        await (await _admin.DeleteAsync($"/api/keys/{Guid.NewGuid()}")).AssertStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Every_endpoint_but_health_and_metrics_asks_for_a_role_and_every_change_for_more_than_viewer()
    {
        var document = JsonNode.Parse(await _admin.GetStringAsync("/swagger/v1/swagger.json"))!;
        var viewer = WithKey((await CreateKeyAsync("looker", "viewer")).Secret);
        var anonymous = Anonymous();
        var checkedCalls = 0;
        foreach (var (template, operations) in document["paths"]!.AsObject())
        {
            // Ids ({id}, {backupId}, ...) are GUIDs their routes require; any other placeholder (a name) takes any text.
            var path = System.Text.RegularExpressions.Regex.Replace(template, "{(id|[A-Za-z]+Id)}", _ => Guid.NewGuid().ToString());
            path = System.Text.RegularExpressions.Regex.Replace(path, "{[^}]+}", "x");
            foreach (var (verb, _) in operations!.AsObject())
            {
                var method = new HttpMethod(verb.ToUpperInvariant());
                var open = template is "/healthz" or "/metrics";
                using var withoutKey = await anonymous.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { }) },
                    HttpCompletionOption.ResponseHeadersRead);
                Assert.True(open ? withoutKey.StatusCode != HttpStatusCode.Unauthorized : withoutKey.StatusCode == HttpStatusCode.Unauthorized,
                    $"{verb} {template} without a key answered {withoutKey.StatusCode}");
                if (method != HttpMethod.Get)
                {
                    using var asViewer = await viewer.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { }) });
                    Assert.True(asViewer.StatusCode == HttpStatusCode.Forbidden, $"{verb} {template} as a viewer answered {asViewer.StatusCode}");
                }
                checkedCalls++;
            }
        }
        Assert.True(checkedCalls > 20, $"only {checkedCalls} calls in the OpenAPI document");
    }
}
