using MySqlConnector;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Tests.Sandbox;

/// <summary>The tests' own connections to the sandbox servers (and proxies), with the credentials' password files.</summary>
public static class SandboxConnections
{
    public static string ConnectionString(ServerEndpoint endpoint, ServerCredentials credentials, TimeSpan timeout) =>
        new MySqlConnectionStringBuilder
        {
            Server = endpoint.Host,
            Port = (uint)endpoint.Port,
            UserID = credentials.User,
            Password = credentials.ReadPassword(),
            ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(timeout.TotalSeconds)),
            DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(timeout.TotalSeconds)),
            ApplicationName = "mysqlha-tests",
        }.ConnectionString;

    /// <summary>The password of sandbox credentials, whose secret is the path of their file.</summary>
    public static string ReadPassword(this ServerCredentials credentials) => new SecretFiles().Read(credentials.Secret);

    /// <summary>The name under which the Api (configured with the sandbox's Api secrets folder) knows the credentials' secret.</summary>
    public static ServerCredentials AsNamedSecret(this ServerCredentials credentials) => credentials with { Secret = Path.GetFileName(credentials.Secret) };
}
