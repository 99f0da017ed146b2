using Marten;

namespace MySqlHa.Workflows.Actors;

public static class ActorSessions
{
    /// <summary>
    /// A session whose events name the current actor (the controller when nobody asked). Marten takes the name when
    /// events are appended, so it is set as the session opens. Wolverine's handler sessions get it from the message.
    /// </summary>
    public static IDocumentSession ActorSession(this IDocumentStore store)
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = CurrentActor.Name ?? CurrentActor.Controller;
        return session;
    }
}
