using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MySqlHa.Api.Security.ApiKeys;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Security;

/// <summary>
/// An Api configured beyond the defaults: bearer tokens from an OIDC issuer (the Api reads the issuer's keys, and the
/// caller's roles from the token), and /healthz and /metrics behind a role.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ConfiguredSignInTests : IAsyncLifetime
{
    private const string Audience = "mysqlha-test";
    private readonly ApiFactory _factory = new();
    private WebApplicationFactory<Program> _api = null!;
    private TestIssuer _issuer = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        await ApiProcess.DropSchemaAsync("test_jwt");
        _api = _factory.WithWebHostBuilder(builder => builder
            .UseSetting("MySqlHa:Schema", "test_jwt")
            .UseSetting("Etcd:Prefix", $"/mysqlha-test-jwt-{Guid.NewGuid():N}")
            .UseSetting("MySqlHa:Auth:Jwt:Authority", _issuer.Url)
            .UseSetting("MySqlHa:Auth:Jwt:Audience", Audience)
            .UseSetting("MySqlHa:Auth:Jwt:RequireHttpsMetadata", "false")
            .UseSetting("MySqlHa:Auth:AnonymousHealth", "false")
            .UseSetting("MySqlHa:Auth:AnonymousMetrics", "false"));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _factory.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private HttpClient Bearer(string token)
    {
        var http = _api.CreateClient();
        http.DefaultRequestHeaders.Remove(ApiKeyAuthentication.Header);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task A_token_signs_in_with_its_role_and_a_forged_expired_or_foreign_one_does_not()
    {
        var viewer = Bearer(_issuer.Token("alice", Audience, ["viewer"]));
        var admin = Bearer(_issuer.Token("root-ops", Audience, ["operator", "admin"]));
        using var otherKey = RSA.Create(2048);

        await (await viewer.GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.OK);
        await (await viewer.PostAsJsonAsync($"/api/clusters/{Guid.NewGuid()}/switchover", new { })).AssertStatusAsync(HttpStatusCode.Forbidden);
        await (await Bearer(_issuer.Token("nobody", Audience, [])).GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.Forbidden);
        await (await Bearer(_issuer.Token("mallory", Audience, ["admin"], signWith: otherKey)).GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.Unauthorized);
        await (await Bearer(_issuer.Token("late", Audience, ["admin"], lifetime: TimeSpan.FromMinutes(-10))).GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.Unauthorized);
        await (await Bearer(_issuer.Token("elsewhere", "another-service", ["admin"])).GetAsync("/api/clusters")).AssertStatusAsync(HttpStatusCode.Unauthorized);

        // An admin by token creates a key, and is named as its creator.
        var created = await admin.PostAsJsonAsync("/api/keys", new { name = "made-by-token", role = "viewer" });
        await created.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal("oidc:root-ops", (string?)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["key"]!["createdBy"]);
        // API keys keep working beside tokens.
        await (await _api.CreateClient().GetAsync("/api/keys")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Health_and_metrics_ask_for_a_role_when_so_configured()
    {
        var anonymous = _api.CreateClient();
        anonymous.DefaultRequestHeaders.Remove(ApiKeyAuthentication.Header);

        await (await anonymous.GetAsync("/healthz")).AssertStatusAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.GetAsync("/metrics")).AssertStatusAsync(HttpStatusCode.Unauthorized);
        await (await _api.CreateClient().GetAsync("/healthz")).AssertStatusAsync(HttpStatusCode.OK);
        var metrics = await _api.CreateClient().GetStringAsync("/metrics");
        Assert.Contains("mysqlha_authentication_failures_total{scheme=\"\",reason=\"missing\"}", metrics);
    }
}
