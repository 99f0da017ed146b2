using MySqlHa.Api.Hosting;
using Marten;
using MySqlHa.Workflows.Actors;

namespace MySqlHa.Api.Security.ApiKeys;

/// <summary>Creates and revokes API keys: the key document and its audit event are saved together.</summary>
public sealed class ApiKeyStore(IDocumentStore store, TimeProvider clock)
{
    /// <summary>Stores <paramref name="secret"/> as a key; false when a key of that id or name exists already.</summary>
    public async Task<ApiKey?> CreateAsync(ApiKeySecret secret, string name, string role, CancellationToken cancellation)
    {
        await using var session = store.ActorSession();
        var key = new ApiKey(secret.KeyId, name, role, secret.Hash, clock.GetUtcNow(), CurrentActor.Name ?? CurrentActor.Controller);
        session.Insert(key);
        session.Events.StartStream(key.Id, new ApiKeyCreated(key.Id, name, role, key.CreatedAt));
        try
        {
            await session.SaveChangesAsync(cancellation);
            return key;
        }
        catch (Exception e) when (IsDuplicate(e))
        {
            return null;
        }
    }

    /// <summary>Revokes the key; null when there is no such key, the key unchanged when it was revoked already.</summary>
    public async Task<ApiKey?> RevokeAsync(Guid id, CancellationToken cancellation)
    {
        await using var session = store.ActorSession();
        var key = await session.LoadAsync<ApiKey>(id, cancellation);
        if (key is null || !key.Active) return key;
        var revoked = key with { RevokedAt = clock.GetUtcNow(), RevokedBy = CurrentActor.Name ?? CurrentActor.Controller };
        session.Update(revoked);
        session.Events.Append(id, new ApiKeyRevoked(id, key.Name, revoked.RevokedAt!.Value));
        await session.SaveChangesAsync(cancellation);
        return revoked;
    }

    private static bool IsDuplicate(Exception e) => e is JasperFx.DocumentAlreadyExistsException || StoreErrors.IsUniqueViolation(e);
}
