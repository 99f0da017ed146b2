using System.Text.Json;

namespace MySqlHa.Workflows.Audit;

/// <summary>
/// Which events to read. <paramref name="Cluster"/> takes the cluster's own stream and the streams of its operations;
/// <paramref name="Operation"/> the operation's stream and the cluster events that name it; <paramref name="Instance"/>
/// every event that names the instance in any of its fields; <paramref name="Type"/> is the stored type name
/// (<c>switchover_completed</c>); <paramref name="From"/> is inclusive, <paramref name="To"/> exclusive.
/// </summary>
public sealed record AuditFilter(
    Guid? Cluster = null,
    Guid? Operation = null,
    string? Type = null,
    string? Instance = null,
    string? Actor = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);

public enum AuditOrder
{
    NewestFirst,
    OldestFirst,
}

/// <summary>One page: <paramref name="After"/> is the sequence of the last event of the page before (none for the first page).</summary>
public sealed record AuditQuery(AuditFilter Filter, AuditOrder Order, long? After, int Limit);

/// <summary>
/// An event as stored: its data exactly as recorded (property names as in the event record, GTID sets and binlog
/// positions included), and its actor: the caller whose request led to it, null when none was known (the controller
/// acting by itself, or events recorded before callers were named).
/// </summary>
public sealed record AuditEvent(Guid Id, long Sequence, string Type, JsonElement Data, DateTimeOffset Time, Guid StreamId, long Version, string? Actor);

/// <summary><paramref name="More"/>: events past the last of this page match too.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, bool More);
