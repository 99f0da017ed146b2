using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.State;
using MySqlHa.Replication.Storage;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// Runs each command once and one at a time. A command's answer is remembered by its id, in memory and durably in
/// the state folder, so that a retried step (the controller timed out, a saga was resumed after a crash, the agent
/// itself restarted) gets the first execution's answer instead of running again; a retry that arrives while the
/// first is still running waits for it. Commands on the server run one after another, so that a late command cannot
/// interleave with the next one (a repoint with a promotion, say). Answers are kept for a day.
/// </summary>
internal sealed class CommandJournal
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, Entry> _running = new();
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly string _folder;
    private readonly TimeProvider _clock;
    private DateTimeOffset _prunedAt;

    public CommandJournal(AgentSettings settings, TimeProvider clock)
    {
        _clock = clock;
        _folder = Path.Combine(settings.StateDirectory, "journal");
        Directory.CreateDirectory(_folder);
        Prune();
    }

    public async Task<(AgentCommandResult<TDetail> Result, bool Replayed)> RunOnceAsync<TDetail>(
        string commandId, string command, Func<Task<AgentCommandResult<TDetail>>> execute)
        where TDetail : class
    {
        if (Recorded<TDetail>(commandId, command) is { } recorded)
            return (recorded, true);
        var mine = new Entry(command, new Lazy<Task>(() => ExecuteAndRecordAsync(commandId, command, execute)));
        var entry = _running.GetOrAdd(commandId, mine);
        if (entry.Command != command)
            throw new CommandIdReusedException(commandId, entry.Command, command);
        try
        {
            // One command name has one kind of detail, so the same command's execution answers this TDetail.
            return (await (Task<AgentCommandResult<TDetail>>)entry.Execution.Value, !ReferenceEquals(entry, mine));
        }
        finally
        {
            // Answered from the record from now on; a command that failed may be retried for real.
            _running.TryRemove(new KeyValuePair<string, Entry>(commandId, entry));
        }
    }

    private async Task<AgentCommandResult<TDetail>> ExecuteAndRecordAsync<TDetail>(string commandId, string command,
        Func<Task<AgentCommandResult<TDetail>>> execute)
        where TDetail : class
    {
        await _oneAtATime.WaitAsync();
        try
        {
            // A retry may have waited here while the first execution finished and recorded its answer.
            if (Recorded<TDetail>(commandId, command) is { } recorded)
                return recorded;
            var result = await execute();
            DurableFile.Replace(PathOf(commandId), JsonSerializer.Serialize(new Record<TDetail>(command, result), JsonSerializerOptions.Web));
            if (_clock.GetUtcNow() - _prunedAt > PruneInterval) Prune();
            return result;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>The recorded answer to this command id, if any; the command it was recorded for is read first, as it decides the detail's type.</summary>
    private AgentCommandResult<TDetail>? Recorded<TDetail>(string commandId, string command)
        where TDetail : class
    {
        var path = PathOf(commandId);
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path);
        var recorded = JsonSerializer.Deserialize<RecordedCommand>(text, JsonSerializerOptions.Web)!.Command;
        return recorded == command
            ? JsonSerializer.Deserialize<Record<TDetail>>(text, JsonSerializerOptions.Web)!.Result
            : throw new CommandIdReusedException(commandId, recorded, command);
    }

    /// <summary>Ids are the controller's text: a hash makes each a safe file name of one length.</summary>
    private string PathOf(string commandId) =>
        Path.Combine(_folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commandId))) + ".json");

    private void Prune()
    {
        _prunedAt = _clock.GetUtcNow();
        var oldest = _prunedAt - Retention;
        foreach (var file in new DirectoryInfo(_folder).EnumerateFiles())
            if (file.LastWriteTimeUtc < oldest.UtcDateTime || file.Name.EndsWith(".tmp", StringComparison.Ordinal)) file.Delete();
    }

    private sealed record Entry(string Command, Lazy<Task> Execution);

    private sealed record Record<TDetail>(string Command, AgentCommandResult<TDetail> Result) where TDetail : class;

    private sealed record RecordedCommand(string Command);
}

public sealed class CommandIdReusedException(string commandId, string first, string second)
    : Exception($"Command id '{commandId}' was used for '{first}' and now for '{second}'; a command id names one command.");
