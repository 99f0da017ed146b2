using JasperFx;
using Marten;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>
/// The one way a stored subscription is changed, by the Api (edit, resume) and by the deliverer (failure counts,
/// pause): a decision on the freshest copy, saved under Marten's optimistic concurrency and decided again when the
/// other side saved meanwhile, so neither overwrites the other's change.
/// </summary>
public sealed class WebhookSubscriptions(IDocumentStore store)
{
    /// <summary>Null when there is no such subscription; the decision may return its input unchanged.</summary>
    public async Task<WebhookSubscription?> UpdateAsync(Guid id, Func<WebhookSubscription, WebhookSubscription> decide, CancellationToken cancellation,
        Action<IDocumentSession>? alsoSave = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<WebhookSubscription>(id, cancellation) is not { } current) return null;
            var changed = decide(current);
            session.Store(changed);
            alsoSave?.Invoke(session);
            try
            {
                await session.SaveChangesAsync(cancellation);
                return changed;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // The other side saved the subscription meanwhile; decide again on its copy.
            }
        }
    }
}
