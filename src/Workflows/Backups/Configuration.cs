using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Restores;
using MySqlHa.Workflows.Verifications;

namespace MySqlHa.Workflows.Backups;

public static class Configuration
{
    public static StoreOptions ConfigureBackups(this StoreOptions options)
    {
        // Inline: a backup is listed as running from the moment the API answers that it started.
        options.Projections.Snapshot<BackupRecord>(SnapshotLifecycle.Inline);
        options.Schema.For<BackupRecord>().Index(backup => backup.ClusterId);
        return options;
    }

    /// <summary>Backups, with the repository at <paramref name="repositoryFolder"/> (null: none, and backups are refused with the reason).</summary>
    public static IServiceCollection AddMySqlHaBackups(this IServiceCollection services, string? repositoryFolder)
    {
        services.AddSingleton(new BackupStorage(repositoryFolder is { Length: > 0 } folder ? new FileSystemBackupRepository(folder) : null));
        services.AddSingleton<BackupStarter>();
        services.AddMySqlHaRestores();
        services.AddMySqlHaVerifications();
        return services;
    }
}
