using System.Net;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Audit;

/// <summary>GET /api/events over two seeded clusters' trails: every filter, paging both ways, and the problems bad input gets.</summary>
[Collection(ApiCollection.Name)]
public sealed class EventsQueryTests(ApiFactory api) : SeededAuditTests(api)
{
    private async Task<(List<JsonNode> Events, string? Next)> PageAsync(string query)
    {
        var response = await Http.GetAsync($"/api/events?{query}");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (page["events"]!.AsArray().Select(e => e!).ToList(), (string?)page["next"]);
    }

    /// <summary>Every page of the query, <paramref name="limit"/> at a time, following the cursors.</summary>
    private async Task<List<JsonNode>> AllPagesAsync(string query, int limit = 100)
    {
        var events = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var (page, next) = await PageAsync($"{query}&limit={limit}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            Assert.True(page.Count <= limit);
            Assert.True(next is null || page.Count == limit, "a page before the last is full");
            events.AddRange(page);
            cursor = next;
        } while (cursor is not null);
        return events;
    }

    /// <summary>The events of the seeded trail: not the bootstrap admin key's creation, which every reset records again.</summary>
    private static List<JsonNode> OfTheTrail(IEnumerable<JsonNode> events) => events.Where(e => (string?)e["type"] != "api_key_created").ToList();

    private async Task AssertFindsAsync(string query, Func<SeededEvent, bool> expected)
    {
        var found = (await AllPagesAsync($"order=asc&{query}")).Select(e => Guid.Parse((string)e["id"]!)).ToList();
        Assert.Equal(Trail.Events.Where(expected).Select(e => e.Id).ToList(), found);
    }

    [Fact]
    public async Task Every_event_comes_with_its_type_data_time_stream_and_actor()
    {
        var events = OfTheTrail(await AllPagesAsync("order=asc"));

        Assert.Equal(Trail.Events.Select(e => e.Id), events.Select(e => Guid.Parse((string)e["id"]!)));
        Assert.Equal(Trail.Events.Select(e => e.Type), events.Select(e => (string?)e["type"]));
        Assert.Equal(Trail.Events.Select(e => e.Actor), events.Select(e => (string?)e["actor"]));
        var completed = events.Single(e => (string?)e["type"] == "switchover_completed");
        Assert.Equal(Trail.Switchover, Guid.Parse((string)completed["streamId"]!));
        Assert.Equal("bin.000002", (string?)completed["data"]!["NewMasterBinlogFile"]);
        Assert.Equal(1234, (long?)completed["data"]!["NewMasterBinlogPosition"]);
        Assert.Equal("0-1-42", (string?)completed["data"]!["NewMasterGtidExecuted"]);
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse((string)completed["time"]!) < TimeSpan.FromMinutes(5));
        var sequences = events.Select(e => (long)e["sequence"]!).ToList();
        Assert.Equal(sequences.Order(), sequences);
    }

    [Fact]
    public async Task A_cluster_finds_its_own_stream_and_its_operations_streams_and_nothing_of_the_other_cluster()
    {
        await AssertFindsAsync($"cluster={Trail.ClusterA}", e => e.Cluster == Trail.ClusterA);
        await AssertFindsAsync($"cluster={Trail.ClusterB}", e => e.Cluster == Trail.ClusterB);
    }

    [Fact]
    public async Task An_operation_finds_its_stream_and_the_cluster_events_that_name_it()
    {
        await AssertFindsAsync($"operation={Trail.Switchover}", e => e.Operation == Trail.Switchover);
        await AssertFindsAsync($"operation={Trail.Failover}", e => e.Operation == Trail.Failover);
    }

    [Theory]
    [InlineData("db1")]
    [InlineData("db2")]
    [InlineData("db3")]
    public async Task An_instance_is_found_in_any_field_that_names_it(string instance)
    {
        await AssertFindsAsync($"instance={instance}", e => e.Instances.Contains(instance));
        await AssertFindsAsync($"instance={instance}&cluster={Trail.ClusterB}", e => e.Instances.Contains(instance) && e.Cluster == Trail.ClusterB);
    }

    [Fact]
    public async Task Type_and_actor_filters_find_exactly_their_events()
    {
        await AssertFindsAsync("type=operation_started", e => e.Type == "operation_started");
        await AssertFindsAsync("type=replica_promoted", e => e.Type == "replica_promoted");
        await AssertFindsAsync("actor=alice", e => e.Actor == "alice");
        await AssertFindsAsync($"actor=bob&type=replica_promoted&cluster={Trail.ClusterB}", e => e.Actor == "bob" && e.Type == "replica_promoted");
        await AssertFindsAsync("actor=nobody", _ => false);
    }

    [Fact]
    public async Task A_time_range_includes_its_start_and_excludes_its_end()
    {
        var all = await AllPagesAsync("order=asc");
        var times = all.Select(e => (Id: Guid.Parse((string)e["id"]!), Time: DateTimeOffset.Parse((string)e["time"]!))).ToList();
        var (from, to) = (times[4].Time, times[11].Time);
        Assert.True(from < to, "the seeded events were written in separate transactions");

        var found = (await AllPagesAsync($"order=asc&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}"))
            .Select(e => Guid.Parse((string)e["id"]!)).ToList();

        Assert.Equal(times.Where(t => t.Time >= from && t.Time < to).Select(t => t.Id), found);
        Assert.Contains(times[4].Id, found);
        Assert.DoesNotContain(times[11].Id, found);
    }

    [Theory]
    [InlineData("asc")]
    [InlineData("desc")]
    public async Task Pages_of_three_cover_every_event_once_in_order(string order)
    {
        var paged = OfTheTrail(await AllPagesAsync($"order={order}", limit: 3)).Select(e => (long)e["sequence"]!).ToList();
        var whole = OfTheTrail(await AllPagesAsync($"order={order}", limit: 500)).Select(e => (long)e["sequence"]!).ToList();

        Assert.Equal(Trail.Events.Count, paged.Count);
        Assert.Equal(whole, paged);
        Assert.Equal(order == "asc" ? paged.Order() : paged.OrderDescending(), paged);
    }

    [Fact]
    public async Task Newest_first_is_the_default()
    {
        var (events, next) = await PageAsync("limit=2");

        Assert.Equal(Trail.Events.TakeLast(2).Reverse().Select(e => e.Id), events.Select(e => Guid.Parse((string)e["id"]!)));
        Assert.NotNull(next);
    }

    [Theory]
    [InlineData("order=sideways", "order")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=%21%21not-a-cursor", "cursor")]
    [InlineData("cursor=eHl6", "cursor")]
    [InlineData("cluster=not-a-guid", "cluster")]
    [InlineData("operation=123", "operation")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    public Task Bad_input_is_a_validation_problem_naming_the_parameter(string query, string parameter) =>
        AssertValidationProblemAsync($"/api/events?{query}", parameter);

    [Fact]
    public async Task A_cursor_does_not_continue_the_other_order()
    {
        var (_, next) = await PageAsync("order=desc&limit=2");

        var response = await Http.GetAsync($"/api/events?order=asc&cursor={Uri.EscapeDataString(next!)}");

        await response.AssertStatusAsync(HttpStatusCode.BadRequest);
        Assert.Contains("order=desc", await response.Content.ReadAsStringAsync());
    }
}
