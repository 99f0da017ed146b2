using MySqlConnector;

namespace MySqlHa.Replication.Servers;

public static class ServerConnections
{
    /// <summary>A connection string for administrative work: short timeouts, no retries hidden from the caller.</summary>
    public static string ConnectionString(ServerEndpoint endpoint, ServerCredentials credentials, TimeSpan timeout) =>
        new MySqlConnectionStringBuilder
        {
            Server = endpoint.Host,
            Port = (uint)endpoint.Port,
            UserID = credentials.User,
            Password = credentials.ReadPassword(),
            ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(timeout.TotalSeconds)),
            DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(timeout.TotalSeconds)),
            SslMode = MySqlSslMode.Preferred,
            AllowPublicKeyRetrieval = true,
            ApplicationName = "mysqlha",
        }.ConnectionString;
}
