namespace MySqlHa.Replication.Backups;

/// <summary>
/// What a finished backup is, as its agent wrote it beside the artifact and the controller records it in
/// BackupCompleted: whose data, the position it holds (the GTID set and binlog coordinates of its consistent
/// point, as the backup tool reported them), how big, its SHA-256 over the stored (compressed) bytes, how long it
/// took and with which tool.
/// </summary>
public sealed record BackupManifest(
    Guid BackupId,
    string Cluster,
    string Instance,
    string Flavor,
    string ArtifactKey,
    BackupCompression Compression,
    string GtidExecuted,
    string? BinlogFile,
    long? BinlogPosition,
    long RawBytes,
    long StoredBytes,
    string Sha256,
    string Tool,
    string ToolVersion,
    string ServerVersion,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double DurationSeconds,
    bool Verified);
