using System.Globalization;
using System.Runtime.Versioning;
using MySqlConnector;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One set-aside: mysqld shut down by SHUTDOWN and waited for until its process has ended and its port is closed,
/// then the contents of its data folder, and of its binary log folder when that is elsewhere, moved (renamed, never
/// copied and deleted when on one file system) into <c>&lt;datadir&gt;.diverged-&lt;UTC time&gt;</c> beside the data
/// folder. The folders themselves stay, empty, with their owner and mode, ready for a restore.
/// </summary>
internal sealed class SetAsideRun(AgentSettings settings, LocalBinlogs binlogs, TimeProvider clock)
{
    /// <summary>
    /// Long enough for InnoDB's shutdown to flush a busy buffer pool; a server that has not ended by then is reported
    /// and nothing is moved.
    /// </summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan ShutdownPoll = TimeSpan.FromMilliseconds(250);

    public async Task<SetAsideData> RunAsync(ServerFolders folders, CancellationToken cancellation)
    {
        var folder = $"{folders.DataDirectory}.diverged-{clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("setting a server's data aside keeps Unix file modes");
        if (Path.Exists(folder)) throw new JobFailedException($"{folder} exists already; nothing was stopped or moved");
        await ShutDownAsync(folders.ProcessId, cancellation);

        // The evidence is as private as the data it came from.
        Directory.CreateDirectory(folder, File.GetUnixFileMode(folders.DataDirectory));
        var moved = MoveContents(folders.DataDirectory, Path.Combine(folder, "data"));
        var binlogs = folders.BinlogDirectory is { } binlogFolder && !folders.BinlogsInsideData ? binlogFolder : null;
        if (binlogs is not null) moved += MoveContents(binlogs, Path.Combine(folder, "binlogs"));
        return new SetAsideData(folders.DataDirectory, folders.BinlogDirectory, folder, moved);
    }

    private async Task ShutDownAsync(int? processId, CancellationToken cancellation)
    {
        string? answer = null;
        await using (var connection = await binlogs.OpenAsync(cancellation))
        await using (var command = new MySqlCommand("SHUTDOWN", connection))
        {
            try
            {
                await command.ExecuteNonQueryAsync(cancellation);
            }
            catch (MySqlException e)
            {
                // A shutting-down server may close the connection before it answers SHUTDOWN: whether it is going is
                // what the wait below finds out, and the error is kept for its report.
                answer = $" (SHUTDOWN answered: {e.Message})";
            }
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(ShutdownTimeout);
        try
        {
            while (await JobCleanup.ListensAsync(settings.Server, deadline.Token) || processId is { } pid && Directory.Exists($"/proc/{pid}"))
                await Task.Delay(ShutdownPoll, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new JobFailedException($"mysqld at {settings.Server} (process {processId?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}) " +
                $"had not ended {ShutdownTimeout} after SHUTDOWN{answer}; nothing was moved");
        }
    }

    /// <summary>Moves every entry of <paramref name="from"/> into <paramref name="to"/> (created), keeping <paramref name="from"/> itself.</summary>
    [UnsupportedOSPlatform("windows")]
    private static int MoveContents(string from, string to)
    {
        Directory.CreateDirectory(to, File.GetUnixFileMode(from));
        var moved = 0;
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry is DirectoryInfo directory && directory.LinkTarget is null) directory.MoveTo(target);
            else File.Move(entry.FullName, target);
            moved++;
        }
        return moved;
    }
}
