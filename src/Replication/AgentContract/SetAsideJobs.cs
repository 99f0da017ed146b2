namespace MySqlHa.Replication.AgentContract;

// Rebuilding a fenced old master that flashback cannot bring back (issue 16): its agent stops the server and moves
// its data and binary logs aside, kept for the DBA as evidence, so that a clone of a backup can go into the emptied
// folders. Nothing is deleted.

/// <summary>Stops the agent's (fenced) server and moves its data folder's and binary log folder's contents aside.</summary>
public sealed record SetAsideRequest(string? CommandId);

/// <summary>
/// What a set-aside moved where: the contents of <paramref name="DataDirectory"/> into <paramref name="Folder"/>/data
/// and, when the binary logs are kept elsewhere, those of <paramref name="BinlogDirectory"/> into
/// <paramref name="Folder"/>/binlogs; <paramref name="Moved"/> counts the entries moved. Both folders are left empty,
/// with their owner and mode.
/// </summary>
public sealed record SetAsideData(string DataDirectory, string? BinlogDirectory, string Folder, int Moved);
