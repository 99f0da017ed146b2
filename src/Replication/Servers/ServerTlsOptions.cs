using MySqlConnector;

namespace MySqlHa.Replication.Servers;

/// <summary>
/// How connections to the MySQL servers are secured. Production: <see cref="MySqlSslMode.VerifyFull"/> with the
/// CA that signed the servers' certificates, so that a password is only ever sent to the server it is meant for.
/// </summary>
public sealed class ServerTlsOptions
{
    public MySqlSslMode SslMode { get; set; } = MySqlSslMode.Preferred;

    /// <summary>The CA certificate (PEM) that verifies the servers, for VerifyCA and VerifyFull.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>
    /// Lets the client ask an unverified server for its RSA key (MySQL's caching_sha2_password without TLS): off,
    /// since a server impersonated that way receives the password.
    /// </summary>
    public bool AllowPublicKeyRetrieval { get; set; }

    /// <summary>What is wrong with these settings, or null.</summary>
    public string? Problem() =>
        SslMode is MySqlSslMode.VerifyCA or MySqlSslMode.VerifyFull && SecretFiles.ProblemWithFile(CaFile) is { } caProblem
            ? $"SslMode {SslMode} needs a CA file: {caProblem}"
            : null;
}
