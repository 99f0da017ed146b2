using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.State;

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

    public async Task<(AgentCommandResult Result, bool Replayed)> RunOnceAsync(
        string commandId, string command, Func<Task<AgentCommandResult>> execute)
    {
        if (Recorded(commandId) is { } recorded)
            return recorded.Command == command ? (recorded.Result, true) : throw new CommandIdReusedException(commandId, recorded.Command, command);
        var mine = new Entry(command, new Lazy<Task<AgentCommandResult>>(() => ExecuteAndRecordAsync(commandId, command, execute)));
        var entry = _running.GetOrAdd(commandId, mine);
        if (entry.Command != command)
            throw new CommandIdReusedException(commandId, entry.Command, command);
        try
        {
            return (await entry.Execution.Value, !ReferenceEquals(entry, mine));
        }
        finally
        {
            // Answered from the record from now on; a command that failed may be retried for real.
            _running.TryRemove(new KeyValuePair<string, Entry>(commandId, entry));
        }
    }

    private async Task<AgentCommandResult> ExecuteAndRecordAsync(string commandId, string command, Func<Task<AgentCommandResult>> execute)
    {
        await _oneAtATime.WaitAsync();
        try
        {
            // A retry may have waited here while the first execution finished and recorded its answer.
            if (Recorded(commandId) is { } recorded)
                return recorded.Command == command ? recorded.Result : throw new CommandIdReusedException(commandId, recorded.Command, command);
            var result = await execute();
            DurableFile.Replace(PathOf(commandId), JsonSerializer.Serialize(new Record(command, result), JsonSerializerOptions.Web));
            if (_clock.GetUtcNow() - _prunedAt > PruneInterval) Prune();
            return result;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private Record? Recorded(string commandId)
    {
        var path = PathOf(commandId);
        return File.Exists(path) ? JsonSerializer.Deserialize<Record>(File.ReadAllText(path), JsonSerializerOptions.Web) : null;
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

    private sealed record Entry(string Command, Lazy<Task<AgentCommandResult>> Execution);

    private sealed record Record(string Command, AgentCommandResult Result);
}

public sealed class CommandIdReusedException(string commandId, string first, string second)
    : Exception($"Command id '{commandId}' was used for '{first}' and now for '{second}'; a command id names one command.");
