using Microsoft.Extensions.DependencyInjection.Extensions;
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
        // With the archive off, a repository is only read for GET /archive; its own settings' check is the backup jobs'.
        if (Path.IsPathFullyQualified(settings.Archive.Repository))
            services.TryAddSingleton<IBackupRepository>(_ => new FileSystemBackupRepository(settings.Archive.Repository));
        if (!settings.Archive.Enabled) return services;
        services.AddSingleton(services => new ArchiveSession(settings, services.GetRequiredService<IBackupRepository>(),
            services.GetRequiredService<Replication.Servers.ServerConnections>(), services.GetRequiredService<ServerProbeOptions>().Tls,
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ArchiveSession>>()));
        services.AddHostedService<BinlogArchiver>();
        return services;
    }
}
