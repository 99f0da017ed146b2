using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// Archives one master until <c>cancellation</c> (the master changed, or this agent no longer holds the archiver key):
/// picks the first binlog file the archive lacks, starts mariadb-binlog on it, and uploads what it writes every
/// interval. When stopped it kills the process, then uploads what reached the staging folder, so that the next master
/// starts from an index that holds every transaction this one delivered (the agent stopping too: its lease is still
/// held); unless the key is <c>lost</c>: another agent may hold it already, and two writers of the index would drop each other's entries.
/// </summary>
internal sealed partial class ArchiveSession(
    AgentSettings settings, IBackupRepository repository, ArchiveIndexStore indexStore, ServerConnections connections, ServerTlsOptions tls,
    TimeProvider clock, ILogger logger)
{
    /// <summary>How long the last upload after a stop may take: a stop must not hang on a slow repository.</summary>
    private static readonly TimeSpan FinalUploadTimeout = TimeSpan.FromSeconds(30);

    public async Task RunAsync(ServerEndpoint master, CancellationToken cancellation, CancellationToken lost)
    {
        var archive = settings.Archive;
        var credentials = archive.Credentials ?? settings.AdminCredentials;
        var index = await indexStore.ReadAsync(cancellation);
        var (server, files) = await MasterBinlogs.ReadAsync(connections.For(master, credentials), cancellation);
        var first = StartingFile.Choose(files, index);

        var folder = Path.Combine(settings.StateDirectory, "binlog-archive");
        var staging = Path.Combine(folder, "staging");
        // Whatever an earlier session left was uploaded then or is fetched again now: the staging folder starts empty.
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        var uploads = new StagingUploads(repository, indexStore, staging, server, index, clock, logger);
        LogStarting(master.ToString(), server, first.Name, first.StartGtids);

        string? ended = null;
        await using (var stream = BinlogStream.Start(archive.BinlogTool, master, credentials.User, connections.PasswordOf(credentials), tls,
            archive.StreamServerId, staging, Path.Combine(folder, "client.cnf"), first.Name))
        {
            try
            {
                while (ended is null)
                {
                    await Task.WhenAny(Task.Delay(archive.UploadInterval, clock, cancellation), stream.Exited);
                    cancellation.ThrowIfCancellationRequested();
                    if (stream.Exited.IsCompleted) ended = stream.Errors.Length > 0 ? stream.Errors : "no message";
                    await uploads.SyncAsync(final: false, cancellation);
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Stopped on purpose: the upload below keeps what was received.
            }
        }
        // The process is gone: what it wrote is uploaded, whether it was stopped or ended by itself.
        lost.ThrowIfCancellationRequested();
        using var final = new CancellationTokenSource(FinalUploadTimeout);
        await uploads.SyncAsync(final: true, final.Token);
        if (ended is not null) throw new BinlogStreamException($"mariadb-binlog on {master} ended: {ended}");
        LogStopped(master.ToString());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archiving binlogs of {Master} (server_id {Server}) from {File}, which starts at GTIDs [{StartGtids}]")]
    private partial void LogStarting(string master, string server, string file, string startGtids);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped archiving {Master}; what it delivered is uploaded")]
    private partial void LogStopped(string master);
}

/// <summary>mariadb-binlog stopped by itself: the master went away, refused the dump, or the tool failed.</summary>
internal sealed class BinlogStreamException(string message) : Exception(message);
