using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MySqlHa.Replication.Commands;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Replication.Topology;

namespace MySqlHa.Replication;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Read-only access to servers: probes, topology discovery, stats; passwords resolved by <paramref name="secrets"/>
    /// (a secrets folder in the controller, files in an agent).
    /// </summary>
    public static IServiceCollection AddServerProbe(this IServiceCollection services, ISecretSource secrets, Action<ServerProbeOptions>? configure = null)
    {
        var options = new ServerProbeOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(secrets);
        services.AddSingleton<ServerConnections>();
        services.AddSingleton<IServerProbe, ServerProbe>();
        services.AddSingleton<TopologyDiscovery>();
        services.AddSingleton<ServerStatsReader>();
        return services;
    }

    /// <summary>
    /// The statements that change a server. Only the agent beside the server sends them: the controller changes a
    /// server through its agent, under its fencing token and a command id.
    /// </summary>
    public static IServiceCollection AddReplicationCommands(this IServiceCollection services)
    {
        services.AddSingleton<IReplicationCommands, ReplicationCommands>();
        return services;
    }
}
