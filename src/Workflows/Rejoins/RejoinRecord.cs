namespace MySqlHa.Workflows.Rejoins;

/// <summary>
/// A rejoin as the API shows it, rebuilt from its stream; <paramref name="EventsKey"/> and <paramref name="SqlKey"/>
/// name the extracted transactions; a rebuilt instance's <paramref name="RestoreId"/> is the clone's restore and
/// <paramref name="SetAsideFolder"/> holds its old data.
/// </summary>
public sealed record RejoinRecord(
    Guid Id,
    Guid ClusterId,
    string Instance,
    string Master,
    string State,
    IReadOnlyList<string> ExtraGtids,
    string? EventsKey,
    string? SqlKey,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? FinalGtid,
    string? Reason,
    Guid? RestoreId = null,
    string? SetAsideFolder = null)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string NeedsAttention = "needsAttention";
    public const string Rebuilt = "rebuilt";

    public static RejoinRecord Create(RejoinStarted e) => new(e.RejoinId, e.ClusterId, e.Instance, e.Master, Running, [], null, null, e.StartedAt, null, null, null);

    public static RejoinRecord Apply(DivergedTransactionsExtracted e, RejoinRecord rejoin) =>
        rejoin with { ExtraGtids = e.Diverged.ExtraGtids, EventsKey = e.Diverged.EventsKey, SqlKey = e.Diverged.SqlKey };

    public static RejoinRecord Apply(DivergedTransactionsUndone e, RejoinRecord rejoin) => rejoin;

    public static RejoinRecord Apply(DivergedDataSetAside e, RejoinRecord rejoin) => rejoin with { SetAsideFolder = e.SetAside.Folder };

    public static RejoinRecord Apply(RebuildFromBackupStarted e, RejoinRecord rejoin) => rejoin with { RestoreId = e.CloneRestoreId };

    public static RejoinRecord Apply(DivergedInstanceRebuilt e, RejoinRecord rejoin) =>
        rejoin with { State = Rebuilt, FinalGtid = e.GtidExecuted, EndedAt = e.RebuiltAt };

    public static RejoinRecord Apply(RejoinedAsReplica e, RejoinRecord rejoin) => rejoin;

    public static RejoinRecord Apply(RejoinCompleted e, RejoinRecord rejoin) => rejoin with { State = Completed, FinalGtid = e.GtidExecuted, EndedAt = e.CompletedAt };

    public static RejoinRecord Apply(RejoinNeedsAttention e, RejoinRecord rejoin) => rejoin with { State = NeedsAttention, Reason = e.Reason, EndedAt = e.EndedAt };
}
