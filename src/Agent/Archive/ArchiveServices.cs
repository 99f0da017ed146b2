using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Archive;

internal static class ArchiveServices
{
    /// <summary>The archive's services; the archiver runs only when BinlogArchive:Enabled is true.</summary>
    public static IServiceCollection AddBinlogArchive(this IServiceCollection services, AgentSettings settings)
    {
        services.AddSingleton<ArchiveState>();
        if (!settings.Archive.Enabled) return services;
        services.AddSingleton(services => new ArchiveSession(settings, services.GetRequiredService<IBackupRepository>(),
            services.GetRequiredService<Replication.Servers.ServerConnections>(), services.GetRequiredService<ServerProbeOptions>().Tls,
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ArchiveSession>>()));
        services.AddHostedService<BinlogArchiver>();
        return services;
    }
}
