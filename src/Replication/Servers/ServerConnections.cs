using MySqlConnector;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Servers;

/// <summary>Connection strings for administrative work: short timeouts, no retries hidden from the caller, TLS as configured.</summary>
public sealed class ServerConnections(ServerProbeOptions options, ISecretSource secrets)
{
    public string For(ServerEndpoint endpoint, ServerCredentials credentials) => For(endpoint, credentials.User, secrets.Read(credentials.Secret));

    /// <summary>The password of <paramref name="credentials"/>, for a statement that hands it to a server (CHANGE MASTER).</summary>
    public string PasswordOf(ServerCredentials credentials) => secrets.Read(credentials.Secret);

    private string For(ServerEndpoint endpoint, string user, string password) =>
        new MySqlConnectionStringBuilder
        {
            Server = endpoint.Host,
            Port = (uint)endpoint.Port,
            UserID = user,
            Password = password,
            ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(options.Timeout.TotalSeconds)),
            DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(options.Timeout.TotalSeconds)),
            SslMode = options.Tls.SslMode,
            SslCa = options.Tls.CaFile,
            AllowPublicKeyRetrieval = options.Tls.AllowPublicKeyRetrieval,
            ApplicationName = "mysqlha",
        }.ConnectionString;
}
