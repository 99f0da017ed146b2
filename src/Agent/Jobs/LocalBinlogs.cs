using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Jobs;

/// <summary>What the diverged-master jobs read of the local server, through one admin connection.</summary>
internal sealed record LocalServerState(
    bool ReadOnly, string BinlogFormat, IReadOnlyList<string> RunningReplication, IReadOnlyList<Gtid> BinlogState, IReadOnlyList<string> BinlogFiles);

/// <summary>
/// The local server's binary log files, read from disk by mariadb-binlog: the server names them (SHOW BINARY LOGS)
/// and says where they are (@@log_bin_basename), so the agent needs no setting of its own for them, only to run on
/// the server's host, as it does for backups.
/// </summary>
internal sealed class LocalBinlogs(AgentSettings settings, ServerConnections connections)
{
    public const string BinlogTool = "/usr/bin/mariadb-binlog";

    public const string Client = "/usr/bin/mariadb";

    public async Task<MySqlConnection> OpenAsync(CancellationToken cancellation)
    {
        var connection = new MySqlConnection(connections.For(settings.Server, settings.AdminCredentials));
        try
        {
            await connection.OpenAsync(cancellation);
            return connection;
        }
        catch (MySqlException e)
        {
            await connection.DisposeAsync();
            throw new JobFailedException($"mysqld at {settings.Server} does not answer: {e.Message}");
        }
    }

    public async Task<LocalServerState> ReadAsync(CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(cancellation);
        bool readOnly;
        string format, state;
        string? basename;
        // The global binlog_format, not the session's: a pooled session keeps the value it started with.
        await using (var command = new MySqlCommand("SELECT @@global.read_only, @@global.binlog_format, @@global.gtid_binlog_state, @@global.log_bin_basename", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            await reader.ReadAsync(cancellation);
            readOnly = Convert.ToInt64(reader.GetValue(0)) != 0;
            format = reader.GetString(1);
            state = reader.IsDBNull(2) ? "" : reader.GetString(2);
            basename = reader.IsDBNull(3) ? null : reader.GetString(3);
        }
        var running = new List<string>();
        await using (var command = new MySqlCommand("SHOW ALL SLAVES STATUS", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
            {
                var io = reader.GetString(reader.GetOrdinal("Slave_IO_Running"));
                var sql = reader.GetString(reader.GetOrdinal("Slave_SQL_Running"));
                if (io != "No" || sql != "No")
                    running.Add($"'{reader.GetString(reader.GetOrdinal("Connection_name"))}' (IO {io}, SQL {sql})");
            }
        if (basename is null) throw new JobFailedException($"mysqld at {settings.Server} writes no binary log, so it holds no transactions to compare");
        var folder = Path.GetDirectoryName(basename)!;
        var files = new List<string>();
        await using (var command = new MySqlCommand("SHOW BINARY LOGS", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                files.Add(Path.Combine(folder, reader.GetString(0)));
        return new LocalServerState(readOnly, format, running, Gtid.ParseList(state), files);
    }

    /// <summary>Reads every transaction of <paramref name="files"/> as the tool prints it, line by line: a large log costs time, not memory.</summary>
    public static async Task<BinlogScan> ScanAsync(IReadOnlyList<string> files, CancellationToken cancellation)
    {
        await using var tool = ToolProcess.Start(BinlogTool, ["--base64-output=decode-rows", .. files]);
        BinlogScan scan;
        using (var output = new StreamReader(tool.Output))
            scan = await BinlogScan.ParseAsync(Lines(output, cancellation));
        await tool.SucceedAsync(cancellation);
        return scan;
    }

    private static async IAsyncEnumerable<string> Lines(StreamReader reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        while (await reader.ReadLineAsync(cancellation) is { } line) yield return line;
    }

    /// <summary>Runs mariadb-binlog over <paramref name="files"/> from <paramref name="start"/> with <paramref name="options"/> into <paramref name="path"/>.</summary>
    public static async Task WriteAsync(IReadOnlyList<string> files, IReadOnlyList<Gtid> start, IEnumerable<string> options, string path,
        CancellationToken cancellation)
    {
        await using var tool = ToolProcess.Start(BinlogTool, [.. options, $"--start-position={Gtid.Format(start)}", .. files]);
        await using (var file = File.Create(path))
            await tool.Output.CopyToAsync(file, cancellation);
        await tool.SucceedAsync(cancellation);
    }
}
