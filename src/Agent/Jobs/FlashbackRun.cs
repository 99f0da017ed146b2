using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Storage;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One flashback: mariadb-binlog --flashback inverts the extra transactions' row events (newest first), the mariadb
/// client applies them with sql_log_bin=0 so that the undo creates no GTID of its own, and then the server's GTID
/// state is set to the position it shares with the master. That needs RESET MASTER: under gtid_strict_mode a binary
/// log still holding the undone GTIDs (sequence numbers above the master's) refuses to log the master's next
/// transactions as a replica applies them, and gtid_binlog_state can be set only on an empty binary log. The
/// extraction in the repository keeps what the logs held. gtid_slave_pos is set to the same position, so that
/// CHANGE MASTER ... master_use_gtid=slave_pos to the new master replicates from exactly there.
/// </summary>
internal sealed class FlashbackRun(AgentSettings settings, LocalBinlogs binlogs, ServerConnections connections, IServerProbe probe)
{
    /// <summary>The agent's record that the flashback of <paramref name="extractionId"/> began applying its undo.</summary>
    public static string AppliedMarker(AgentSettings settings, Guid extractionId) =>
        Path.Combine(settings.StateDirectory, "flashbacks", $"{extractionId:D}");

    public async Task<JobResult> RunAsync(DivergedTransactions extraction, DivergedHistory history, string workFolder, RunningJob job,
        CancellationToken cancellation)
    {
        Directory.CreateDirectory(workFolder);
        var state = await binlogs.ReadAsync(cancellation);
        var undo = Path.Combine(workFolder, "flashback.sql");
        await LocalBinlogs.WriteAsync(state.BinlogFiles, history.SharedPosition, ["--flashback"], undo, cancellation);
        job.Add(new FileInfo(undo).Length);

        // Recorded before the undo runs and never removed: should the job end between the undo and the GTID reset, the
        // extra transactions would still be in the binary log, and a second flashback would undo them twice.
        Directory.CreateDirectory(Path.GetDirectoryName(AppliedMarker(settings, extraction.ExtractionId))!);
        DurableFile.Replace(AppliedMarker(settings, extraction.ExtractionId), Gtid.Format(history.SharedPosition));

        using (var options = OptionFile.Write(Path.Combine(workFolder, "client.cnf"), settings.Server, settings.AdminCredentials.User,
                   connections.PasswordOf(settings.AdminCredentials), dataDirectory: ""))
        {
            // --init-command runs on every connection the client makes, a reconnection included: no undo is ever logged.
            await using var client = ToolProcess.Start(LocalBinlogs.Client,
                [$"--defaults-file={options.Path}", "--batch", "--init-command=SET SESSION sql_log_bin=0"], input: true);
            await using (var file = File.OpenRead(undo))
                await file.CopyToAsync(client.Input, cancellation);
            client.Input.Close();
            await client.SucceedAsync(cancellation);
        }

        var shared = Gtid.Format(history.SharedPosition);
        await using (var connection = await binlogs.OpenAsync(cancellation))
        {
            foreach (var statement in new[] { "RESET MASTER", "SET GLOBAL gtid_binlog_state = @shared", "SET GLOBAL gtid_slave_pos = @shared" })
            {
                await using var command = new MySqlCommand(statement, connection);
                command.Parameters.AddWithValue("@shared", shared);
                await command.ExecuteNonQueryAsync(cancellation);
            }
        }
        Directory.Delete(workFolder, recursive: true);
        var snapshot = (await probe.ReadAsync(settings.Server, settings.AdminCredentials, cancellation)).Snapshot
            ?? throw new JobFailedException($"mysqld at {settings.Server} stopped answering after the flashback");
        return new JobResult(null, new RestoredPosition(snapshot.GtidExecuted, snapshot.BinaryLog?.File, snapshot.BinaryLog?.Position), extraction);
    }
}
