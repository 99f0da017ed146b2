namespace MySqlHa.Api.Security.ApiKeys;

/// <summary>An API key was created (on the key's own stream); the actor who created it is the event's actor.</summary>
public sealed record ApiKeyCreated(Guid KeyId, string Name, string Role, DateTimeOffset CreatedAt);

public sealed record ApiKeyRevoked(Guid KeyId, string Name, DateTimeOffset RevokedAt);
