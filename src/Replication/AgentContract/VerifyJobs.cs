using MySqlHa.Replication.Backups;

namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// Proves that a backup restores: the artifact at <paramref name="ArtifactKey"/> (stored with
/// <paramref name="Compression"/>, its stored bytes hashing to <paramref name="Sha256"/>) is prepared in a scratch
/// folder and started as a scratch server that nothing can reach; the GTID set the backup recorded must be
/// <paramref name="GtidExecuted"/> (the manifest's), and every user table is checked, counted and checksummed.
/// The agent's own server is never touched.
/// </summary>
public sealed record VerifyBackupRequest(string? CommandId, string? ArtifactKey, BackupCompression Compression, string? Sha256, string? GtidExecuted);

/// <summary>
/// What a scratch server started on the backup holds: the GTID set the backup recorded, each user table's rows and
/// CHECKSUM TABLE value, and every problem found (a table CHECK TABLE does not call OK, a GTID set that is not the
/// manifest's). A backup is verified only when <paramref name="Problems"/> is empty.
/// </summary>
public sealed record BackupVerificationReport(string GtidExecuted, IReadOnlyList<TableVerification> Tables, IReadOnlyList<string> Problems);

/// <summary>One table of a verified backup: <paramref name="Check"/> is CHECK TABLE's last status text (OK when sound).</summary>
public sealed record TableVerification(string Schema, string Table, long Rows, long? Checksum, string Check);
