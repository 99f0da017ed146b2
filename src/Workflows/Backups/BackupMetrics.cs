using Prometheus;

namespace MySqlHa.Workflows.Backups;

public static class BackupMetrics
{
    public static readonly Counter Backups = Metrics.CreateCounter("mysqlha_backups_total",
        "Backups that ended, by cluster and outcome (completed, failed).", "cluster", "outcome");

    public static readonly Counter BackupsDeleted = Metrics.CreateCounter("mysqlha_backups_deleted_total",
        "Backups deleted from the repository by retention, by cluster.", "cluster");

    public static readonly Counter ArchivedBinlogsDeleted = Metrics.CreateCounter("mysqlha_archived_binlogs_deleted_total",
        "Archived binlog files deleted from the repository by retention, by cluster.", "cluster");
}
