using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Api;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;

namespace MySqlHa.Tests.Persistence;

/// <summary>
/// The record an append answers is the one the inline projection stored, on the real event store: the writers that
/// publish it at once (holds, fences, switches) must publish what a reader would load.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ClusterStreamTests(ApiFactory api) : IAsyncLifetime
{
    private readonly ClusterClient _client = new(api.CreateClient());
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        _cluster = await _client.RegisterSandboxClusterAsync("stream");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Each_append_answers_the_record_a_reader_then_loads()
    {
        var clusters = api.Services.GetRequiredService<ClusterStream>();
        var operation = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        object[] changes =
        [
            new OperationStarted(_cluster, operation, "failover", now, now.AddMinutes(2)),
            new TrafficHeld(_cluster, operation, now),
            new InstanceFenced(_cluster, operation, "db1", true, "read_only confirmed", now),
            new MasterFailedOver(_cluster, operation, "db1", "db2", new ServerEndpoint("127.0.0.1", 3308), "0-2-7", now),
            new AutomaticFailoverBlocked(_cluster, operation, now.AddMinutes(30), now),
            new OperationEnded(_cluster, operation, "completed", now),
        ];
        foreach (var change in changes)
        {
            var answered = await clusters.AppendAsync(_cluster, _ => change, default);
            await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var loaded = await session.LoadAsync<Cluster>(_cluster);
            Assert.Equal(JsonSerializer.Serialize(loaded), JsonSerializer.Serialize(answered));
        }
        await using var reader = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var last = (await reader.LoadAsync<Cluster>(_cluster))!;
        Assert.Equal("db2", last.Master?.Name);
        Assert.True(last.Find("db1")!.Fenced);
        Assert.Null(last.RunningOperation);
    }
}
