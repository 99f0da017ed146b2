using System.Text.RegularExpressions;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>
/// Where matching events are POSTed, and how delivery to it fares. <paramref name="Events"/> are event type names or
/// patterns with <c>*</c> (<c>Switchover*</c>, <c>*</c>); <paramref name="ClusterId"/> null means every cluster. The
/// <paramref name="Secret"/> signs every delivery and is never shown after the creation answer. Only events after
/// <paramref name="StartsAfterSequence"/> (the store's newest when it was created) are delivered: no history replay.
/// </summary>
public sealed record WebhookSubscription(
    Guid Id,
    string Url,
    IReadOnlyList<string> Events,
    Guid? ClusterId,
    string Secret,
    long StartsAfterSequence,
    DateTimeOffset CreatedAt)
{
    public DateTimeOffset UpdatedAt { get; init; } = CreatedAt;

    /// <summary>Failed attempts since the last delivered one, over every cluster.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>When the first of those failures happened; null while delivery succeeds.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>Set when delivery kept failing: nothing is attempted until it is resumed; events go on being queued.</summary>
    public DateTimeOffset? PausedAt { get; init; }

    public string? PausedReason { get; init; }

    public bool Paused => PausedAt is not null;

    public bool Matches(string eventType, Guid clusterId) =>
        (ClusterId is null || ClusterId == clusterId) && Events.Any(pattern => EventTypePattern.Matches(pattern, eventType));
}

/// <summary>Event type names with <c>*</c> standing for any run of characters; case is ignored.</summary>
public static class EventTypePattern
{
    public static readonly Regex Valid = new("^[A-Za-z0-9*]{1,100}$", RegexOptions.Compiled);

    public static bool Matches(string pattern, string eventType) =>
        Regex.IsMatch(eventType, "^" + Regex.Escape(pattern).Replace(@"\*", ".*") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
