using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Api.Operations;

/// <summary>An operation's state, read from the last event of its stream.</summary>
public static class OperationStates
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string NeedsAttention = "needsAttention";
    public const string Aborted = "aborted";
    public const string Released = "released";

    /// <summary>An operation whose saga never started has no stream of its own.</summary>
    public const string NotStarted = "not started";

    /// <summary>The states a caller may filter on.</summary>
    public static readonly IReadOnlyList<string> Filterable = [Running, Completed, NeedsAttention, Aborted, Released];

    /// <summary>An operation that completed with something left needing attention says so in its state: never a silent "completed".</summary>
    public static string Of(object lastEvent) => lastEvent switch
    {
        SwitchoverCompleted { NeedsAttention.Count: > 0 } or FailoverCompleted { NeedsAttention.Count: > 0 } => NeedsAttention,
        SwitchoverInterrupted or FailoverInterrupted => NeedsAttention,
        SwitchoverCompleted or FailoverCompleted => Completed,
        SwitchoverAborted or FailoverAborted => Aborted,
        ReleasedFromCluster => Released,
        _ => Running,
    };
}
