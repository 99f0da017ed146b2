using System.Net;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Audit;

/// <summary>GET /api/operations across clusters, and the cluster's own listing, over two seeded clusters' trails.</summary>
[Collection(ApiCollection.Name)]
public sealed class OperationsQueryTests(ApiFactory api) : SeededAuditTests(api)
{
    private async Task<List<(Guid Id, Guid Cluster, string Kind, string State)>> ListAsync(string url)
    {
        var response = await Http.GetAsync(url);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray()
            .Select(o => (Guid.Parse((string)o!["id"]!), Guid.Parse((string)o["clusterId"]!), (string)o["kind"]!, (string)o["state"]!)).ToList();
    }

    [Fact]
    public async Task Operations_of_every_cluster_are_listed_oldest_first_with_their_state()
    {
        var operations = await ListAsync("/api/operations");

        Assert.Equal([(Trail.Switchover, Trail.ClusterA, "switchover", "completed"), (Trail.Failover, Trail.ClusterB, "failover", "running")],
            operations);
    }

    [Theory]
    [InlineData("kind=failover", "F")]
    [InlineData("kind=switchover", "S")]
    [InlineData("state=completed", "S")]
    [InlineData("state=running", "F")]
    [InlineData("state=aborted", "")]
    [InlineData("kind=switchover&state=running", "")]
    [InlineData("kind=failover&state=running", "F")]
    public async Task Kind_and_state_filters_narrow_the_listing(string query, string expected)
    {
        var operations = await ListAsync($"/api/operations?{query}");

        Assert.Equal(expected.Select(c => c == 'S' ? Trail.Switchover : Trail.Failover), operations.Select(o => o.Id));
    }

    [Fact]
    public async Task The_cluster_filter_and_the_clusters_own_listing_agree()
    {
        Assert.Equal([Trail.Failover], (await ListAsync($"/api/operations?cluster={Trail.ClusterB}")).Select(o => o.Id));
        Assert.Equal([Trail.Switchover], (await ListAsync($"/api/operations?cluster={Trail.ClusterA}&state=completed")).Select(o => o.Id));
        Assert.Equal([Trail.Switchover], (await ListAsync($"/api/clusters/{Trail.ClusterA}/operations")).Select(o => o.Id));
        Assert.Empty(await ListAsync($"/api/clusters/{Trail.ClusterA}/operations?state=running"));
        Assert.Equal([Trail.Failover], (await ListAsync($"/api/clusters/{Trail.ClusterB}/operations?kind=failover")).Select(o => o.Id));
    }

    [Theory]
    [InlineData("/api/operations?kind=backup", "kind")]
    [InlineData("/api/operations?state=finished", "state")]
    [InlineData("/api/operations?cluster=db1", "cluster")]
    [InlineData("/api/clusters/0196c2a4-0000-7000-8000-000000000000/operations?state=done", "state")]
    public Task An_unknown_kind_or_state_or_a_malformed_cluster_is_a_validation_problem(string url, string parameter) =>
        AssertValidationProblemAsync(url, parameter);

    [Fact]
    public async Task The_listing_of_an_unknown_cluster_is_not_found()
    {
        var response = await Http.GetAsync($"/api/clusters/{Guid.CreateVersion7()}/operations");

        await response.AssertStatusAsync(HttpStatusCode.NotFound);
    }
}
