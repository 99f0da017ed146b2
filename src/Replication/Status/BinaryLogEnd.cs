using MySqlConnector;

namespace MySqlHa.Replication.Status;

/// <summary>Where a server's binary log ends, or null when it writes none.</summary>
public static class BinaryLogEnd
{
    /// <summary>The dialect's statement answers no row, or an empty file name, when the server writes no binary log.</summary>
    public static async Task<BinlogCoordinates?> ReadAsync(MySqlConnection connection, ReplicationDialect dialect, CancellationToken cancellation)
    {
        await using var command = new MySqlCommand(dialect.BinaryLogStatusStatement, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        if (!await reader.ReadAsync(cancellation) || reader.IsDBNull(0) || reader.GetString(0) is "") return null;
        return new BinlogCoordinates(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
    }
}
