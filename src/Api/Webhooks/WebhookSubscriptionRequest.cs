using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Api.Webhooks;

/// <summary>
/// A webhook subscription as created or replaced: the receiver's http(s) URL (no user or password in it), the event
/// types or patterns it wants (<c>SwitchoverCompleted</c>, <c>Switchover*</c>, <c>*</c>), and optionally one cluster.
/// </summary>
public sealed record WebhookSubscriptionRequest(string? Url, IReadOnlyList<string>? Events, Guid? ClusterId)
{
    private const int MaxPatterns = 50;

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            errors["url"] = ["An absolute http or https URL."];
        else if (url.UserInfo.Length > 0)
            errors["url"] = ["No user or password in the URL: every read shows it. The receiver checks the signature instead."];
        if (Events is not { Count: > 0 and <= MaxPatterns })
            errors["events"] = [$"Between 1 and {MaxPatterns} event types or patterns, e.g. \"SwitchoverCompleted\", \"Switchover*\" or \"*\"."];
        else if (Events.Where(pattern => pattern is null || !EventTypePattern.Valid.IsMatch(pattern)).ToList() is { Count: > 0 } bad)
            errors["events"] = [$"Letters, digits and * only, at most 100 characters: {string.Join(", ", bad.Select(p => $"'{p}'"))}."];
        return errors;
    }
}
