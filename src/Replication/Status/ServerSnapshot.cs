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
    DateTimeOffset ObservedAt);
