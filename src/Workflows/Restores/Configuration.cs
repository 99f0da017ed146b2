using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace MySqlHa.Workflows.Restores;

public static class Configuration
{
    public static StoreOptions ConfigureRestores(this StoreOptions options)
    {
        options.Projections.Snapshot<RestoreRecord>(SnapshotLifecycle.Inline);
        options.Schema.For<RestoreRecord>().Index(restore => restore.ClusterId);
        options.Projections.Snapshot<Rejoins.RejoinRecord>(SnapshotLifecycle.Inline);
        options.Schema.For<Rejoins.RejoinRecord>().Index(rejoin => rejoin.ClusterId);
        return options;
    }

    public static IServiceCollection AddMySqlHaRestores(this IServiceCollection services) =>
        services.AddSingleton<RestoreStarter>().AddSingleton<Rejoins.RejoinStarter>();
}
