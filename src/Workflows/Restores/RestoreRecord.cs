namespace MySqlHa.Workflows.Restores;

/// <summary>A restore as the API lists it, rebuilt from its stream.</summary>
public sealed record RestoreRecord(
    Guid Id,
    Guid ClusterId,
    string Instance,
    Guid BackupId,
    string Mode,
    string Target,
    string State,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? RestoredGtid,
    string? FinalGtid,
    string? Failure)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static RestoreRecord Create(RestoreStarted e) =>
        new(e.RestoreId, e.ClusterId, e.Instance, e.BackupId, e.Mode, e.Target, Running, e.StartedAt, null, null, null, null);

    public static RestoreRecord Apply(RestoreJobAccepted e, RestoreRecord restore) => restore;

    public static RestoreRecord Apply(BackupRestored e, RestoreRecord restore) => restore with { RestoredGtid = e.Position.GtidExecuted };

    public static RestoreRecord Apply(BinlogsReplayed e, RestoreRecord restore) => restore;

    public static RestoreRecord Apply(CloneJoined e, RestoreRecord restore) => restore;

    public static RestoreRecord Apply(RestoreCompleted e, RestoreRecord restore) =>
        restore with { State = Completed, FinalGtid = e.GtidExecuted, EndedAt = e.CompletedAt };

    public static RestoreRecord Apply(RestoreFailed e, RestoreRecord restore) => restore with { State = Failed, Failure = e.Reason, EndedAt = e.FailedAt };
}
