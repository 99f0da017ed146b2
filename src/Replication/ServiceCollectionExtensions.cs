using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Status;
using MySqlHa.Replication.Topology;

namespace MySqlHa.Replication;

public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddServerProbe(this IServiceCollection services, Action<ServerProbeOptions>? configure = null)
    {
        var options = new ServerProbeOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<IServerProbe, ServerProbe>();
        services.AddSingleton<TopologyDiscovery>();
        services.AddSingleton<IReplicationCommands, ReplicationCommands>();
        services.AddSingleton<ServerStatsReader>();
        return services;
    }
}
