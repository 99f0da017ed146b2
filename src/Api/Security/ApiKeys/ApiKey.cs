namespace MySqlHa.Api.Security.ApiKeys;

/// <summary>A stored API key: its secret only as a SHA-256 hash (the secret is random, 256 bits, so a hash suffices).</summary>
public sealed record ApiKey(Guid Id, string Name, string Role, string SecretHash, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? RevokedAt = null, string? RevokedBy = null)
{
    public bool Active => RevokedAt is null;
}

/// <summary>An API key as the Api shows it: never its secret or hash.</summary>
public sealed record ApiKeyView(Guid Id, string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt, string? RevokedBy)
{
    public static ApiKeyView From(ApiKey key) => new(key.Id, key.Name, key.Role, key.CreatedAt, key.CreatedBy, key.RevokedAt, key.RevokedBy);
}

/// <summary>The answer to creating a key: the only time its secret is shown.</summary>
public sealed record CreatedApiKeyView(ApiKeyView Key, string Secret);
