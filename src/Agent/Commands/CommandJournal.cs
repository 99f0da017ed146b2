using System.Collections.Concurrent;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// Remembers each command by its id with its result, so that a retried step (the controller timed out, a saga was
/// resumed after a crash) gets the first execution's answer instead of running again. A retry that arrives while
/// the first is still running waits for it. Entries are kept for a day, at most 10,000.
/// </summary>
internal sealed class CommandJournal(TimeProvider clock)
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public async Task<(AgentCommandResult Result, bool Replayed)> RunOnceAsync(
        string commandId, string command, Func<Task<AgentCommandResult>> execute)
    {
        var mine = new Entry(command, clock.GetUtcNow(), new Lazy<Task<AgentCommandResult>>(execute));
        var entry = _entries.GetOrAdd(commandId, mine);
        if (entry.Command != command)
            throw new CommandIdReusedException(commandId, entry.Command, command);
        try
        {
            var result = await entry.Execution.Value;
            Prune();
            return (result, !ReferenceEquals(entry, mine));
        }
        catch
        {
            // A command that failed may be retried for real: forget it.
            _entries.TryRemove(new KeyValuePair<string, Entry>(commandId, entry));
            throw;
        }
    }

    private void Prune()
    {
        var now = clock.GetUtcNow();
        if (_entries.Count <= Capacity && !_entries.Values.Any(e => now - e.StartedAt > Retention)) return;
        foreach (var (id, entry) in _entries.OrderBy(e => e.Value.StartedAt).ToList())
            if (now - entry.StartedAt > Retention || _entries.Count > Capacity) _entries.TryRemove(id, out _);
    }

    private sealed record Entry(string Command, DateTimeOffset StartedAt, Lazy<Task<AgentCommandResult>> Execution);
}

public sealed class CommandIdReusedException(string commandId, string first, string second)
    : Exception($"Command id '{commandId}' was used for '{first}' and now for '{second}'; a command id names one command.");
