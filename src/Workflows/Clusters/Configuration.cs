using JasperFx.Events.Projections;
using Marten;

namespace MySqlHa.Workflows.Clusters;

public static class Configuration
{
    public static StoreOptions ConfigureClusters(this StoreOptions options)
    {
        // Inline: anything a failover decision reads must never wait for the async daemon.
        options.Projections.Snapshot<Cluster>(SnapshotLifecycle.Inline);
        options.Schema.For<Cluster>().UniqueIndex(cluster => cluster.Name);
        return options;
    }
}
