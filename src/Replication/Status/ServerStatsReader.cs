using MySqlConnector;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Status;

/// <summary>Everything LAIN's details page showed for one server, read on request rather than on every poll.</summary>
public sealed record ServerStats(
    ServerEndpoint Endpoint,
    IReadOnlyDictionary<string, string?>? ReplicaStatus,
    IReadOnlyDictionary<string, string?> GlobalStatus,
    IReadOnlyDictionary<string, string?> GlobalVariables,
    string InnoDbStatus,
    DateTimeOffset ReadAt)
{
    /// <summary>Only the entries whose name or value contains <paramref name="search"/> (case-insensitive).</summary>
    public ServerStats Matching(string? search)
    {
        if (string.IsNullOrWhiteSpace(search)) return this;
        IReadOnlyDictionary<string, string?> Filter(IReadOnlyDictionary<string, string?> values) =>
            values.Where(p => p.Key.Contains(search, StringComparison.OrdinalIgnoreCase)
                              || (p.Value?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false))
                .ToDictionary(p => p.Key, p => p.Value);
        return this with
        {
            ReplicaStatus = ReplicaStatus is null ? null : Filter(ReplicaStatus),
            GlobalStatus = Filter(GlobalStatus),
            GlobalVariables = Filter(GlobalVariables),
            InnoDbStatus = string.Join('\n', InnoDbStatus.Split('\n').Where(l => l.Contains(search, StringComparison.OrdinalIgnoreCase))),
        };
    }
}

public sealed class ServerStatsReader(ServerConnections connections, TimeProvider clock)
{
    public async Task<ServerStats> ReadAsync(ServerEndpoint endpoint, ServerCredentials credentials, CancellationToken cancellation)
    {
        await using var connection = new MySqlConnection(connections.For(endpoint, credentials));
        await connection.OpenAsync(cancellation);
        var dialect = ReplicationDialect.ForServer(DatabaseFlavorNames.CleanServerVersion(connection.ServerVersion));

        IReadOnlyDictionary<string, string?>? replica = null;
        await using (var command = new MySqlCommand(dialect.ReplicaStatusStatement, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            if (await reader.ReadAsync(cancellation))
                replica = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName,
                    i => reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
        }
        var status = await ServerProbe.ReadNameValuePairsAsync(connection, "SHOW GLOBAL STATUS", cancellation);
        var variables = await ServerProbe.ReadNameValuePairsAsync(connection, "SHOW GLOBAL VARIABLES", cancellation);
        string innodb;
        await using (var command = new MySqlCommand("SHOW ENGINE INNODB STATUS", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            innodb = await reader.ReadAsync(cancellation) ? reader.GetString(2) : "";
        }
        return new ServerStats(endpoint, replica, status, variables, innodb, clock.GetUtcNow());
    }
}
