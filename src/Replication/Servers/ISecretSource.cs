namespace MySqlHa.Replication.Servers;

/// <summary>Resolves the password a <see cref="ServerCredentials"/> refers to.</summary>
public interface ISecretSource
{
    /// <summary>The password; <see cref="CredentialsUnavailableException"/> when it cannot be read.</summary>
    string Read(string reference);

    /// <summary>Why <paramref name="reference"/> cannot be used, or null when it can.</summary>
    string? Problem(string reference);
}

/// <summary>A secret that cannot be read; the message names the reference, never its content.</summary>
public sealed class CredentialsUnavailableException(string reference, string reason, Exception? inner = null)
    : Exception($"The secret '{reference}' cannot be read: {reason}", inner);
