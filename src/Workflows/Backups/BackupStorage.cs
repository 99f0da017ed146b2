using MySqlHa.Replication.Backups;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// The controller's access to the backup repository (MySqlHa:Backups:Repository), shared with the agents. Without
/// one, backups cannot run, and the API says so.
/// </summary>
public sealed class BackupStorage(IBackupRepository? repository)
{
    public const string NotConfiguredReason = "MySqlHa:Backups:Repository is not set, so this Api has no backup repository (the folder its agents write backups to).";

    public IBackupRepository? Repository => repository;

    public IBackupRepository Required() => repository ?? throw new InvalidOperationException(NotConfiguredReason);
}
