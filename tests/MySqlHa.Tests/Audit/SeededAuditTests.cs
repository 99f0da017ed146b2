using System.Net;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Audit;

/// <summary>Tests of the audit queries over the two seeded trails of <see cref="AuditTrail"/>, written afresh before each test.</summary>
public abstract class SeededAuditTests(ApiFactory api) : IAsyncLifetime
{
    protected HttpClient Http { get; } = api.CreateClient();

    protected AuditTrail Trail { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        Trail = await AuditTrail.WriteAsync(api);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Asserts a 400 problem+json whose errors name <paramref name="parameter"/>.</summary>
    protected async Task AssertValidationProblemAsync(string url, string parameter)
    {
        var response = await Http.GetAsync(url);

        await response.AssertStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(400, (int?)problem["status"]);
        Assert.NotNull(problem["errors"]![parameter]);
    }
}
