using System.Text.Json.Serialization;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Replication.AgentContract;

// Backups and restores take minutes to hours, longer than any HTTP call should: the agent runs each as a job of its
// own, beside (not through) the one-at-a-time command journal, so that a fence or a promotion on the same host is
// never queued behind a backup. POST starts the job, or answers the job already started with that command id; GET
// follows it. Jobs are kept in the agent's state folder, so a controller that restarted finds its job again, and an
// agent that restarted reports a job it was running as failed (its partial files removed) instead of forgetting it.

/// <summary>A full physical backup of the agent's server into the repository, as backup <paramref name="BackupId"/> of the agent's cluster.</summary>
public sealed record TakeBackupRequest(string? CommandId, Guid BackupId, BackupCompression Compression = BackupCompression.Zstd);

/// <summary>
/// Restores the backup whose artifact is <paramref name="ArtifactKey"/> (stored with <paramref name="Compression"/>,
/// its stored bytes hashing to <paramref name="Sha256"/>) into the agent's server, whose data folder must be empty and
/// whose mysqld must be stopped; the server is started once the data is in place.
/// </summary>
public sealed record RestoreBackupRequest(string? CommandId, string? ArtifactKey, BackupCompression Compression, string? Sha256);

[JsonConverter(typeof(JsonStringEnumConverter<AgentJobState>))]
public enum AgentJobState
{
    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("completed")]
    Completed,

    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>
/// A job as the agent knows it: <paramref name="Kind"/> is backup or restore; <paramref name="BytesDone"/> counts the
/// stored bytes written (backup) or read (restore) so far; <paramref name="Manifest"/> is a completed backup's,
/// <paramref name="Restored"/> the position a completed restore left the server at; <paramref name="Failure"/> says
/// why a failed job failed; <paramref name="Diverged"/> is what an extract-diverged or flashback job found;
/// <paramref name="Verification"/> is what a completed verify-backup job found in the backup.
/// <paramref name="SetAside"/> is what a set-aside job moved where.
/// </summary>
public sealed record AgentJob(
    string CommandId,
    string Kind,
    AgentJobState State,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    long BytesDone,
    BackupManifest? Manifest,
    RestoredPosition? Restored,
    string? Failure,
    DivergedTransactions? Diverged = null,
    BackupVerificationReport? Verification = null,
    SetAsideData? SetAside = null);

/// <summary>Where a restored server stands once started: the backup's point, before any binlog is replayed.</summary>
public sealed record RestoredPosition(string GtidExecuted, string? BinlogFile, long? BinlogPosition);

/// <summary>
/// Replays archived binlogs into the agent's server, a restored one: the files at <paramref name="BinlogKeys"/>, in
/// order, each from the server's own GTID position on (what it holds already is skipped), up to
/// <paramref name="StopGtid"/> (included) or to the first event stamped at or after <paramref name="StopAt"/> (whole
/// seconds, as binlogs stamp events), or to their end. The job's <see cref="AgentJob.Restored"/> is the position reached.
/// </summary>
public sealed record ReplayBinlogsRequest(string? CommandId, IReadOnlyList<string>? BinlogKeys, string? StopGtid = null, DateTimeOffset? StopAt = null);
