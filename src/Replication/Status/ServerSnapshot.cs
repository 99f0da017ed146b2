using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Status;

/// <summary>A binary log coordinate: the file and the byte offset in it.</summary>
public sealed record BinlogCoordinates(string File, long Position);

/// <summary>What one server looked like at one moment: identity, writability, positions and replication channel.</summary>
public sealed record ServerSnapshot(
    ServerEndpoint Endpoint,
    DatabaseFlavor Flavor,
    string Version,
    long ServerId,
    bool ReadOnly,
    string GtidExecuted,
    BinlogCoordinates? BinaryLog,
    ReplicaStatus? Replication,
    ServerCounters Counters,
    DateTimeOffset ObservedAt)
{
    /// <summary>Semi-synchronous replication as the server reports it; null when the server has no semi-sync plugin.</summary>
    public SemiSyncStatus? SemiSync { get; init; }
}

/// <summary>The few global status counters read on every poll (the full set is read on request only).</summary>
public sealed record ServerCounters(long ThreadsConnected, long ThreadsRunning, long Questions, long UptimeSeconds)
{
    /// <summary>Works on MariaDB and every MySQL version we support.</summary>
    public const string Statement =
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running', 'Questions', 'Uptime')";

    public static ServerCounters From(IReadOnlyDictionary<string, string?> values)
    {
        long Read(string name) => values.TryGetValue(name, out var text) && long.TryParse(text, out var number) ? number : 0;
        return new ServerCounters(Read("Threads_connected"), Read("Threads_running"), Read("Questions"), Read("Uptime"));
    }
}
