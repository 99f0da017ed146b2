using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace MySqlHa.Api.Security.ApiKeys;

/// <summary>
/// The text of an API key, <c>mysqlha_&lt;key id, 32 hex&gt;_&lt;secret, 43 base64url&gt;</c>: the id finds the stored key
/// without a scan, and the secret is compared by its hash in constant time.
/// </summary>
public sealed record ApiKeySecret(Guid KeyId, string Secret)
{
    private const string Prefix = "mysqlha_";

    public static ApiKeySecret New() =>
        new(Guid.NewGuid(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));

    public static bool TryParse(string? text, [NotNullWhen(true)] out ApiKeySecret? key)
    {
        key = null;
        var parts = text?.Trim().Split('_', 3);
        if (parts is not ["mysqlha", { Length: 32 } id, { Length: 43 } secret] || !Guid.TryParseExact(id, "N", out var keyId)) return false;
        if (!secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        key = new ApiKeySecret(keyId, secret);
        return true;
    }

    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(Secret)));

    public bool Matches(ApiKey stored) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash), Encoding.ASCII.GetBytes(stored.SecretHash));

    /// <summary>The key as the caller sends it.</summary>
    public string Text => $"{Prefix}{KeyId:N}_{Secret}";

    /// <summary>Never the secret: a key that reaches a log line by mistake names only its id.</summary>
    public override string ToString() => $"API key {KeyId:N}";
}
