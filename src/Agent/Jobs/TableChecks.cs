using MySqlConnector;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Every user table of a scratch server (not mysql, sys, information_schema or performance_schema), checked
/// (CHECK TABLE must answer OK), counted and checksummed (CHECKSUM TABLE). Names come from the server's own catalog
/// and are quoted as identifiers; no statement takes anything from a request.
/// </summary>
internal static class TableChecks
{
    private const string UserTables = """
        SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema')
        ORDER BY table_schema, table_name
        """;

    public static async Task<IReadOnlyList<TableVerification>> RunAsync(MySqlConnection connection, CancellationToken cancellation)
    {
        var tables = new List<(string Schema, string Table)>();
        await using (var list = new MySqlCommand(UserTables, connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                tables.Add((reader.GetString(0), reader.GetString(1)));

        var checkedTables = new List<TableVerification>();
        foreach (var (schema, table) in tables)
        {
            var name = $"{Quoted(schema)}.{Quoted(table)}";
            var check = await CheckAsync(connection, name, cancellation);
            await using var count = new MySqlCommand($"SELECT COUNT(*) FROM {name}", connection);
            var rows = Convert.ToInt64(await count.ExecuteScalarAsync(cancellation));
            await using var checksum = new MySqlCommand($"CHECKSUM TABLE {name}", connection);
            long? sum = null;
            await using (var reader = await checksum.ExecuteReaderAsync(cancellation))
                if (await reader.ReadAsync(cancellation) && !reader.IsDBNull(1))
                    sum = Convert.ToInt64(reader.GetValue(1));
            checkedTables.Add(new TableVerification(schema, table, rows, sum, check));
        }
        return checkedTables;
    }

    /// <summary>CHECK TABLE's verdict: the text of its last status row ("OK" for a sound table), or its error, when it gave no status.</summary>
    private static async Task<string> CheckAsync(MySqlConnection connection, string name, CancellationToken cancellation)
    {
        await using var check = new MySqlCommand($"CHECK TABLE {name}", connection);
        await using var reader = await check.ExecuteReaderAsync(cancellation);
        string? status = null, error = null;
        while (await reader.ReadAsync(cancellation))
        {
            var type = reader.GetString(2);
            if (string.Equals(type, "status", StringComparison.OrdinalIgnoreCase)) status = reader.GetString(3);
            else if (string.Equals(type, "error", StringComparison.OrdinalIgnoreCase)) error ??= reader.GetString(3);
        }
        return status ?? error ?? "CHECK TABLE gave no status";
    }

    private static string Quoted(string identifier) => "`" + identifier.Replace("`", "``") + "`";
}
