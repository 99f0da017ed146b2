using System.Globalization;
using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Point-in-time replay into a restored server: each archived binlog, in the order given, is fetched from the
/// repository and decoded by mariadb-binlog from the server's own GTID position on (so that what the server holds,
/// from the backup or an earlier file of another master, is skipped) up to the stop, and the result fed to the
/// mariadb client. The events keep their GTIDs, so the server's position says exactly how far the replay went.
/// </summary>
internal sealed class ReplayRun(AgentSettings settings, IBackupRepository repository, IServerProbe probe, ServerConnections connections)
{
    /// <summary>mariadb-binlog's words when a stop comes before the first event of a file: nothing of it is to be applied.</summary>
    private const string StoppedBeforeAnyEvent = "never reached expected GTID state";

    public async Task<JobResult> RunAsync(ReplayBinlogsRequest request, string work, RunningJob job, CancellationToken cancellation)
    {
        Directory.CreateDirectory(work);
        var backup = settings.Backup;
        using var options = OptionFile.Write(Path.Combine(work, "client.cnf"), settings.Server, settings.AdminCredentials.User,
            connections.PasswordOf(settings.AdminCredentials), backup.DataDirectory ?? "");
        foreach (var key in request.BinlogKeys!)
        {
            var position = await PositionAsync(cancellation);
            if (request.StopGtid is { } stop && Reached(position, stop)) break;
            var binlog = Path.Combine(work, "binlog");
            await using (var stored = await repository.OpenReadAsync(key, cancellation) ?? throw new JobFailedException($"the repository no longer holds {key}"))
            await using (var local = File.Create(binlog))
            {
                await stored.CopyToAsync(local, cancellation);
                job.Add(local.Length);
            }
            var sql = Path.Combine(work, "replay.sql");
            try
            {
                await ToolProcess.RunAsync(backup.BinlogTool, Arguments(position, request, binlog, sql), cancellation);
            }
            catch (JobFailedException e) when (request.StopAt is not null && e.Message.Contains(StoppedBeforeAnyEvent, StringComparison.Ordinal))
            {
                break;
            }
            await ApplyAsync(options.Path, sql, key, cancellation);
            File.Delete(binlog);
            File.Delete(sql);
        }
        // The replayed transactions keep their origin's server id, so gtid_current_pos still shows the backup's point;
        // the slave position takes the replay's end, from which the server would replicate on if made a replica.
        await SetSlavePositionAsync(await PositionAsync(cancellation), cancellation);
        var reached = (await probe.ReadAsync(settings.Server, settings.AdminCredentials, cancellation)).Snapshot
            ?? throw new JobFailedException($"mysqld at {settings.Server} does not answer after the replay");
        return new JobResult(null, new RestoredPosition(reached.GtidExecuted, reached.BinaryLog?.File, reached.BinaryLog?.Position));
    }

    /// <summary>mariadb-binlog's fixed template: from the server's position (exclusive), to the stop, into a file.</summary>
    private static List<string> Arguments(string position, ReplayBinlogsRequest request, string binlog, string sql)
    {
        var arguments = new List<string>();
        if (position.Length > 0) arguments.Add($"--start-position={position}");
        if (request.StopGtid is { } stop) arguments.Add($"--stop-position={stop}");
        // mariadb-binlog reads the stop in its own time zone, which is the agent's.
        if (request.StopAt is { } at)
            arguments.Add($"--stop-datetime={TimeZoneInfo.ConvertTime(at, TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}");
        arguments.Add($"--result-file={sql}");
        arguments.Add(binlog);
        return arguments;
    }

    private async Task ApplyAsync(string optionFile, string sql, string key, CancellationToken cancellation)
    {
        // --binary-mode: row events are base64 BINLOG statements and string data may hold any byte.
        await using var client = ToolProcess.Start(settings.Backup.Client, [$"--defaults-file={optionFile}", "--binary-mode"], input: true);
        await using (var input = client.Input)
        await using (var statements = File.OpenRead(sql))
            await statements.CopyToAsync(input, cancellation);
        try
        {
            await client.SucceedAsync(cancellation);
        }
        catch (JobFailedException e)
        {
            throw new JobFailedException($"applying {key} failed; the server holds the backup and the binlogs replayed before it: {e.Message}");
        }
    }

    /// <summary>Every domain of <paramref name="stop"/> reached in <paramref name="position"/>.</summary>
    private static bool Reached(string position, string stop)
    {
        var at = ArchiveCoverage.Positions(position);
        return ArchiveCoverage.Positions(stop).All(target => at.GetValueOrDefault(target.Key) >= target.Value);
    }

    /// <summary>
    /// What the server holds, per domain the newer of its binary log's and its slave position's GTID: a restored
    /// server's data is at gtid_slave_pos (the backup's point), and what the replay applied is in its binary log under
    /// the origin's server id, which gtid_current_pos ignores.
    /// </summary>
    private async Task<string> PositionAsync(CancellationToken cancellation)
    {
        await using var connection = new MySqlConnection(connections.For(settings.Server, settings.AdminCredentials));
        await connection.OpenAsync(cancellation);
        await using var command = new MySqlCommand("SELECT @@gtid_binlog_pos, @@gtid_slave_pos", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        var newest = new SortedDictionary<long, (long Sequence, string Gtid)>();
        foreach (var gtid in $"{reader.GetString(0)},{reader.GetString(1)}".Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = gtid.Split('-');
            var (domain, sequence) = (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
            if (!newest.TryGetValue(domain, out var known) || sequence > known.Sequence) newest[domain] = (sequence, gtid);
        }
        return string.Join(",", newest.Values.Select(v => v.Gtid));
    }

    private async Task SetSlavePositionAsync(string position, CancellationToken cancellation)
    {
        await using var connection = new MySqlConnection(connections.For(settings.Server, settings.AdminCredentials));
        await connection.OpenAsync(cancellation);
        await using var command = new MySqlCommand("SET GLOBAL gtid_slave_pos = @position", connection);
        command.Parameters.AddWithValue("@position", position);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
