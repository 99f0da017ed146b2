using System.Net;
using System.Text.Json.Nodes;

namespace MySqlHa.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class HostEndpointsTests(ApiFactory api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task Healthz_reports_postgres_etcd_and_wolverine_healthy()
    {
        var response = await _http.GetAsync("/healthz");
        var report = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        await response.AssertStatusAsync(HttpStatusCode.OK);
        foreach (var check in new[] { "postgres", "etcd", "wolverine" })
            Assert.Equal("Healthy", (string?)report["checks"]![check]!["status"]);
        Assert.Contains("PostgreSQL 15", (string?)report["checks"]!["postgres"]!["description"]);
        Assert.Contains("etcd 3.4", (string?)report["checks"]!["etcd"]!["description"]);
    }

    [Fact]
    public async Task Metrics_expose_http_and_process_figures_in_prometheus_format()
    {
        await _http.GetAsync("/healthz");

        var metrics = await _http.GetStringAsync("/metrics");

        Assert.Contains("http_requests_received_total", metrics);
        Assert.Contains("process_cpu_seconds_total", metrics);
    }

    [Fact]
    public async Task Swagger_ui_and_document_are_served()
    {
        await (await _http.GetAsync("/swagger/index.html")).AssertStatusAsync(HttpStatusCode.OK);
        var document = JsonNode.Parse(await _http.GetStringAsync("/swagger/v1/swagger.json"))!;
        Assert.NotNull(document["paths"]!["/api/clusters"]);
    }
}
