using MySqlConnector;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Archive;

/// <summary>One of the master's binlog files and the GTID state at its start (its Gtid_list event).</summary>
internal sealed record MasterBinlogFile(string Name, string StartGtids);

/// <summary>Reads what the archiver needs from the master before streaming: its server_id and its binlog files.</summary>
internal static class MasterBinlogs
{
    public static async Task<(string ServerId, IReadOnlyList<MasterBinlogFile> Files)> ReadAsync(string connectionString, CancellationToken cancellation)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellation);
        var serverId = Convert.ToString(await new MySqlCommand("SELECT @@server_id", connection).ExecuteScalarAsync(cancellation),
            System.Globalization.CultureInfo.InvariantCulture)!;
        var names = new List<string>();
        await using (var reader = await new MySqlCommand("SHOW BINARY LOGS", connection).ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation)) names.Add(reader.GetString(0));
        var files = new List<MasterBinlogFile>();
        foreach (var name in names)
        {
            // The Gtid_list event follows the format description at the start of every file: "[0-1-5,1-1-3]".
            var command = new MySqlCommand("SHOW BINLOG EVENTS IN @file LIMIT 5", connection);
            command.Parameters.AddWithValue("@file", name);
            var start = "";
            await using (var reader = await command.ExecuteReaderAsync(cancellation))
                while (await reader.ReadAsync(cancellation))
                    if (reader.GetString(2) == "Gtid_list") start = reader.GetString(5).Trim('[', ']').Replace(" ", "", StringComparison.Ordinal);
            files.Add(new MasterBinlogFile(name, start));
        }
        return (serverId, files);
    }
}
