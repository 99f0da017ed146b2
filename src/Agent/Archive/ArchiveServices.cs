using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Archive;

internal static class ArchiveServices
{
    /// <summary>The archive's services; the archiver (and its pruning) runs only when BinlogArchive:Enabled is true.</summary>
    public static IServiceCollection AddBinlogArchive(this IServiceCollection services, AgentSettings settings)
    {
        services.AddSingleton<ArchiveState>();
        if (!settings.Archive.Enabled) return services;
        // One index store per agent: its lock is what keeps the uploads and the prunings from writing over each other.
        services.AddSingleton(services => new ArchiveIndexStore(services.GetRequiredService<IBackupRepository>(), settings.Cluster));
        services.AddSingleton<ArchivePruner>();
        services.AddSingleton(services => new ArchiveSession(settings, services.GetRequiredService<IBackupRepository>(),
            services.GetRequiredService<ArchiveIndexStore>(), services.GetRequiredService<Replication.Servers.ServerConnections>(),
            services.GetRequiredService<ServerProbeOptions>().Tls, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ArchiveSession>>()));
        services.AddHostedService<BinlogArchiver>();
        return services;
    }
}
