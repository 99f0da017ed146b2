namespace MySqlHa.Workflows.SemiSync;

/// <summary>
/// The master stopped waiting for acknowledgements: it commits asynchronously now (no replica acknowledged within
/// the timeout, or semi-sync is off on the server, after a restart say). The evidence is the server's: whether
/// semi-sync is enabled there, how many replicas are connected as acknowledgers, the commits not and the commits
/// acknowledged since it started, and its position.
/// </summary>
public sealed record SemiSyncFellBack(Guid ClusterId, string Instance, string Reason, bool EnabledOnServer, long Clients, long NoTransactions,
    long YesTransactions, string GtidExecuted, DateTimeOffset ObservedAt);

/// <summary>The master waits for acknowledgements again (a replica caught up and acknowledges).</summary>
public sealed record SemiSyncRestored(Guid ClusterId, string Instance, long Clients, long NoTransactions, long YesTransactions, string GtidExecuted,
    DateTimeOffset ObservedAt);

/// <summary>
/// A switch left a cluster configured never to fall back without a follower able to acknowledge: its new master was
/// given a bounded timeout (<paramref name="TimeoutMilliseconds"/>) instead, so that its commits do not wait for ever.
/// It holds until an operator configures semi-sync again.
/// </summary>
public sealed record SemiSyncFallbackForced(Guid ClusterId, Guid? OperationId, string Instance, long TimeoutMilliseconds, string Reason,
    DateTimeOffset ForcedAt);

/// <summary>
/// A master configured never to fall back has had commits waiting and no replica connected to acknowledge them since
/// <paramref name="Since"/>: its writers hang until a replica acknowledges or an operator configures semi-sync again.
/// </summary>
public sealed record SemiSyncCommitsStalled(Guid ClusterId, string Instance, long WaitSessions, long Clients, DateTimeOffset Since,
    DateTimeOffset ObservedAt);

/// <summary>The stalled master's commits no longer wait: no commit waits, or a replica acknowledges again.</summary>
public sealed record SemiSyncCommitsResumed(Guid ClusterId, string Instance, long WaitSessions, long Clients, DateTimeOffset ObservedAt);
