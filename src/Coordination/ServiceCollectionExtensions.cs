using Microsoft.Extensions.DependencyInjection;
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
}
