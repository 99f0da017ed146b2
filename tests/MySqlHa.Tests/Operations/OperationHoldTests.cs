using System.Globalization;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Tests.Api;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Tests.Operations;

/// <summary>
/// How an operation takes and frees its cluster, on the real event store of the in-process Api: a saga that fails to
/// start leaves no hold behind, and an operation's end is appended and counted once, whatever replays it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OperationHoldTests(ApiFactory api) : IAsyncLifetime
{
    /// <summary>A start message no handler takes: invoking it throws, as a saga whose first step cannot run does.</summary>
    private sealed record StartNobodyHandles(Guid OperationId);

    private readonly ClusterClient _client = new(api.CreateClient());
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        _cluster = await _client.RegisterSandboxClusterAsync("hold");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Cluster Record, IReadOnlyList<object> Events)> ClusterAsync()
    {
        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var record = await session.LoadAsync<Cluster>(_cluster);
        var events = await session.Events.FetchStreamAsync(_cluster);
        return (record!, events.Select(e => e.Data).ToList());
    }

    /// <summary>The counter's sample for one kind and outcome as the Api's /metrics shows it (0 before its first count).</summary>
    private async Task<double> EndedCountAsync(string kind, string outcome)
    {
        var sample = $"mysqlha_operations_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} ";
        var line = (await _client.Http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(sample, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[sample.Length..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_saga_that_fails_to_start_releases_its_cluster_as_not_started_and_the_next_start_can_take_it()
    {
        var starter = api.Services.GetRequiredService<OperationStarter>();

        await Assert.ThrowsAnyAsync<Exception>(() =>
            starter.StartAsync(_cluster, "switchover", _ => true, TimeSpan.FromMinutes(1), id => new StartNobodyHandles(id), default));

        var (record, events) = await ClusterAsync();
        Assert.Null(record.RunningOperation);
        var ended = Assert.Single(events.OfType<OperationEnded>());
        Assert.Equal("not started", ended.Outcome);
        Assert.Single(events.OfType<OperationStarted>(), e => e.OperationId == ended.OperationId);

        // Not held: a second start takes the cluster again (and fails again, for the same reason), rather than being
        // told that the first operation still holds it.
        await Assert.ThrowsAnyAsync<Exception>(() =>
            starter.StartAsync(_cluster, "switchover", _ => true, TimeSpan.FromMinutes(1), id => new StartNobodyHandles(id), default));
        Assert.Equal(2, (await ClusterAsync()).Events.OfType<OperationEnded>().Count(e => e.Outcome == "not started"));
    }

    [Fact]
    public async Task An_operations_end_replayed_or_beaten_by_a_release_is_appended_and_counted_once()
    {
        var clusters = api.Services.GetRequiredService<ClusterStream>();
        // A kind of this test's own, so that no other operation of the run moves its counters.
        var kind = $"hold-test-{Guid.NewGuid():N}";
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());

        await clusters.AppendAsync(_cluster, _ => new OperationStarted(_cluster, first, kind, DateTimeOffset.UtcNow), default);
        Assert.True(await clusters.EndOperationAsync(_cluster, first, "completed", DateTimeOffset.UtcNow, default));
        Assert.False(await clusters.EndOperationAsync(_cluster, first, "completed", DateTimeOffset.UtcNow, default));

        await clusters.AppendAsync(_cluster, _ => new OperationStarted(_cluster, second, kind, DateTimeOffset.UtcNow), default);
        Assert.True(await clusters.ReleaseOperationAsync(new OperationReleased(_cluster, second, "stuck", DateTimeOffset.UtcNow), default));
        Assert.False(await clusters.EndOperationAsync(_cluster, second, "aborted", DateTimeOffset.UtcNow, default));

        var (record, events) = await ClusterAsync();
        Assert.Null(record.RunningOperation);
        Assert.Single(events.OfType<OperationEnded>(), e => e.OperationId == first);
        Assert.DoesNotContain(events.OfType<OperationEnded>(), e => e.OperationId == second);
        Assert.Single(events.OfType<OperationReleased>(), e => e.OperationId == second);
        Assert.Equal(1, await EndedCountAsync(kind, "completed"));
        Assert.Equal(1, await EndedCountAsync(kind, "released"));
        Assert.Equal(0, await EndedCountAsync(kind, "aborted"));
    }
}
