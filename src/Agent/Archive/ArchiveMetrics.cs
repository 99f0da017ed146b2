using Prometheus;

namespace MySqlHa.Agent.Archive;

/// <summary>The binlog archive's figures, beside the agent's own.</summary>
internal static class ArchiveMetrics
{
    public static readonly Counter UploadedBytes = Metrics.CreateCounter("mysqlha_agent_archive_uploaded_bytes_total",
        "Bytes of binlog uploaded to the repository (a growing file's copy counts each time it is replaced).");

    public static readonly Counter Uploads = Metrics.CreateCounter("mysqlha_agent_archive_uploads_total",
        "Binlog uploads by kind: finished (a rotated file, whole) or partial (the file being written, replaced).", "kind");

    public static readonly Gauge Archiving = Metrics.CreateGauge("mysqlha_agent_archive_archiving",
        "1 while this agent holds the cluster's archiver key and streams from the master.");
}
