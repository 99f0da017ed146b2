namespace MySqlHa.Workflows.Actors;

/// <summary>
/// Who the work under way is done for: the caller an HTTP request authenticated (an API key's name, a token's
/// subject), or the controller itself when nobody asked. It flows with the async calls of one request or one message,
/// so that every session those calls open records the same actor on its events, including sessions opened away from
/// the request (a cluster stream append, a lifecycle record).
/// </summary>
public static class CurrentActor
{
    /// <summary>The actor of work nobody asked for: the monitor's findings, an automatic failover, a scheduled step.</summary>
    public const string Controller = "controller";

    private static readonly AsyncLocal<string?> Current = new();

    /// <summary>The caller, or null when the work was not asked for by one.</summary>
    public static string? Name => Current.Value;

    /// <summary>
    /// Makes <paramref name="name"/> the actor for the rest of the calling method and what it awaits; the value flows
    /// down the call, never back up to the caller's caller.
    /// </summary>
    public static void Use(string? name)
    {
        if (!string.IsNullOrWhiteSpace(name)) Current.Value = name;
    }
}
