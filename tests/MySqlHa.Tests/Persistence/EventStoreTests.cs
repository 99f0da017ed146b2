using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Tests.Persistence;

public sealed class EventStoreTests : IAsyncLifetime
{
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await WorkflowHost.StartAsync("test_events");
        await _host.Services.GetRequiredService<IDocumentStore>().Advanced.ResetAllData();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task RegisterCluster_through_wolverine_appends_ClusterRegistered_and_projects_the_cluster_inline()
    {
        var id = Guid.CreateVersion7();
        var command = new RegisterCluster(id, "orders", DatabaseFlavor.MariaDb,
            [new NamedEndpoint("db1", new ServerEndpoint("127.0.0.1", 3307))],
            new ServerCredentials("admin", "/run/secrets/admin"), null,
            new Dictionary<string, string> { ["db1"] = "10.11.19-MariaDB" });

        await _host.Services.GetRequiredService<IMessageBus>().InvokeAsync(command);

        await using var session = _host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        var registered = Assert.IsType<ClusterRegistered>(Assert.Single(events).Data);
        Assert.Equal("orders", registered.Name);
        Assert.Equal("/run/secrets/admin", registered.AdminCredentials.Secret);
        var cluster = await session.LoadAsync<Cluster>(id);
        Assert.NotNull(cluster);
        Assert.Equal("orders", cluster.Name);
        Assert.Equal(new ServerEndpoint("127.0.0.1", 3307), cluster.Instances.Single().Endpoint);
    }

    [Fact]
    public async Task Second_cluster_with_the_same_name_is_refused_by_the_unique_index()
    {
        var bus = _host.Services.GetRequiredService<IMessageBus>();
        RegisterCluster Command() => new(Guid.CreateVersion7(), "payments", DatabaseFlavor.MySql,
            [new NamedEndpoint("db1", new ServerEndpoint("127.0.0.1", 3307))], new ServerCredentials("admin", "/x"), null,
            new Dictionary<string, string>());

        await bus.InvokeAsync(Command());
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => bus.InvokeAsync(Command()));

        Assert.Contains("duplicate key", refused.ToString());
        await using var session = _host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(1, await session.Query<Cluster>().CountAsync(c => c.Name == "payments"));
    }
}
