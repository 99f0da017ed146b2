using Wolverine;

namespace MySqlHa.Workflows.Actors;

/// <summary>
/// Wolverine middleware: a message handled for a caller (the user name Wolverine relays on every message a saga sends)
/// runs as that caller, so that the sessions its handler opens outside Wolverine's own record the caller too.
/// </summary>
public static class ActorFromEnvelope
{
    // Synchronous on purpose: a value set here stays set for the rest of the generated handler that calls it.
    public static void Before(Envelope envelope) => CurrentActor.Use(envelope.UserName);
}
