using MySqlConnector;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// POST /jobs/set-aside: checks the request and the ground and starts the job; any refusal touches nothing. The server
/// must be one the controller fenced. The agent keeps no fencing record of its own: a fence leaves the server
/// read-only, and a fenced former master replicates from nothing, whereas a serving replica is read-only but
/// replicates; so read_only on with no replication running is what the agent can see of a fence, and anything else
/// is refused. The server's own data folder must be the configured Server:DataDirectory (a restore goes there next),
/// and the agent must be able to restore at all: a server stopped with no way to fill its folders again is worse than
/// a diverged one.
/// </summary>
internal static class SetAside
{
    public const string Kind = "set-aside";

    public static async Task<IResult> StartAsync(SetAsideRequest request, JobServices services)
    {
        var settings = services.Settings;
        if (settings.Backup.RestoreUnavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (string.IsNullOrWhiteSpace(request.CommandId)) return JobAnswers.Invalid("commandId is required: a retry must carry the same id.");
        var binlogs = new LocalBinlogs(settings, services.Connections);
        ServerFolders? folders = null;
        // Nothing to clean up: a set-aside deletes nothing, and what it moved before a failure stays where it went.
        var start = await services.Jobs.StartAsync(request.CommandId, Kind, new JobCleanupPlan(null, null, EmptyDataDirectory: false),
            async cancellation =>
            {
                LocalServerState state;
                try
                {
                    state = await binlogs.ReadAsync(cancellation);
                    folders = await ServerFolders.ReadAsync(binlogs, cancellation);
                }
                catch (JobFailedException e)
                {
                    return new JobRefusal(StatusCodes.Status409Conflict, "The server cannot be read.", e.Message);
                }
                if (!state.ReadOnly || state.RunningReplication.Count > 0)
                    return new JobRefusal(StatusCodes.Status409Conflict, "The server is not fenced.",
                        $"mysqld at {settings.Server} is {(state.ReadOnly ? $"replicating ({string.Join(", ", state.RunningReplication)})" : "writable")}; " +
                        "only a server the controller fenced (read-only, replicating from nothing) is set aside.");
                return folders.Refusal(settings.Backup.DataDirectory!);
            },
            async (_, cancellation) => new JobResult(null, null, SetAside: await new SetAsideRun(settings, binlogs, services.Clock).RunAsync(folders!, cancellation)));
        return JobAnswers.Of(start);
    }
}

/// <summary>Where the running server keeps its data and binary logs, and its process id, as it says itself.</summary>
internal sealed record ServerFolders(string DataDirectory, string? BinlogDirectory, int? ProcessId)
{
    public static async Task<ServerFolders> ReadAsync(LocalBinlogs binlogs, CancellationToken cancellation)
    {
        await using var connection = await binlogs.OpenAsync(cancellation);
        await using var command = new MySqlCommand("SELECT @@datadir, @@global.log_bin_basename, @@global.pid_file", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        var binlog = reader.IsDBNull(1) ? null : Normalized(Path.GetDirectoryName(reader.GetString(1))!);
        // The process id lets the job wait for mysqld's end itself, not only for its port to close (it closes first).
        int? pid = !reader.IsDBNull(2) && File.Exists(reader.GetString(2)) && int.TryParse(File.ReadAllText(reader.GetString(2)).Trim(), out var read) ? read : null;
        return new ServerFolders(Normalized(reader.GetString(0)), binlog == Normalized(reader.GetString(0)) ? null : binlog, pid);
    }

    public JobRefusal? Refusal(string configuredDataDirectory)
    {
        if (DataDirectory != configuredDataDirectory)
            return new JobRefusal(StatusCodes.Status409Conflict, "The server's data folder is not the configured one.",
                $"mysqld keeps its data in {DataDirectory}, but Server:DataDirectory is {configuredDataDirectory}: the restore that follows would fill another folder.");
        if (BinlogDirectory is { } binlogs && IsWithin(DataDirectory, binlogs))
            return new JobRefusal(StatusCodes.Status409Conflict, "The binary log folder holds the data folder.",
                $"The binary logs are in {binlogs}, which holds {DataDirectory}: moving its contents would move the data folder itself; set them aside by hand.");
        return null;
    }

    /// <summary>Whether the binary logs sit inside the data folder, so that moving the data moves them too.</summary>
    public bool BinlogsInsideData => BinlogDirectory is { } binlogs && IsWithin(binlogs, DataDirectory);

    private static bool IsWithin(string path, string folder) => path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Normalized(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
}
