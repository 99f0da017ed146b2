namespace MySqlHa.Workflows.Restores;

/// <summary>
/// How far a restore goes past its backup: nowhere (the backup's point), the archive's end (latest), a time (the
/// first event stamped at or after it is not applied) or a GTID position (included).
/// </summary>
public sealed record RestoreTarget(string Kind, DateTimeOffset? Time = null, string? Gtid = null)
{
    public const string BackupPoint = "backup";
    public const string Latest = "latest";
    public const string Timestamp = "time";
    public const string Position = "gtid";

    public static readonly RestoreTarget AtBackup = new(BackupPoint);

    public bool ReplaysBinlogs => Kind != BackupPoint;

    public override string ToString() => Kind switch
    {
        Timestamp => $"time {Time:O}",
        Position => $"GTID {Gtid}",
        _ => Kind,
    };
}
