using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Coordination;

public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddEtcd(this IServiceCollection services, EtcdOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<EtcdConnection>();
        return services;
    }

    public static IServiceCollection AddLeaderElection(this IServiceCollection services, LeaderElectionOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<LeaderElection>();
        services.AddHostedService(provider => provider.GetRequiredService<LeaderElection>());
        return services;
    }
}
