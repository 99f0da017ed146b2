namespace MySqlHa.Replication.Servers;

/// <summary>Where a database server listens.</summary>
public sealed record ServerEndpoint(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";

    /// <summary>
    /// True when <paramref name="host"/> and <paramref name="port"/> name this endpoint, as a replica's
    /// Master_Host/Master_Port would. "localhost" and the loopback address are the same machine.
    /// </summary>
    public bool Matches(string host, int port) =>
        port == Port && string.Equals(Normalize(host), Normalize(Host), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string host) => host is "localhost" or "::1" ? "127.0.0.1" : host;
}
