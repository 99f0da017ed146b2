namespace MySqlHa.Replication.Backups;

/// <summary>
/// Where backups, their manifests and the binlog archive are kept, shared by the agents (which write and read the
/// artifacts) and the controller (which lists and deletes them). A filesystem folder by default
/// (<see cref="FileSystemBackupRepository"/>); an S3-compatible store implements the same calls. Keys are relative
/// paths of safe characters (see <see cref="BackupKeys"/>). An object becomes visible only once its upload is
/// committed whole: a writer that dies leaves a partial upload, never a truncated object under the real key.
/// </summary>
public interface IBackupRepository
{
    /// <summary>Where the repository is, for people and logs (never a secret).</summary>
    string Location { get; }

    /// <summary>Starts writing <paramref name="key"/>; disposed without <see cref="IBackupUpload.CommitAsync"/>, the upload leaves nothing behind.</summary>
    Task<IBackupUpload> BeginUploadAsync(string key, CancellationToken cancellation);

    /// <summary>The committed object, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellation);

    /// <summary>The committed object's size and time, or null when there is none.</summary>
    Task<BackupObject?> DescribeAsync(string key, CancellationToken cancellation);

    /// <summary>Committed objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<BackupObject> ListAsync(string prefix, CancellationToken cancellation);

    /// <summary>Deletes the object; false when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellation);

    /// <summary>Removes uploads under <paramref name="prefix"/> that were never committed (their writer died); answers how many.</summary>
    Task<int> RemovePartialUploadsAsync(string prefix, CancellationToken cancellation);
}

/// <summary>An object being written: its content goes to <see cref="Content"/>, and appears under its key on commit.</summary>
public interface IBackupUpload : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>
    /// When the repository is a folder on this host: a file that does not exist yet, which another program may create
    /// and write the object into instead of <see cref="Content"/> (then Content is never touched), and which may be
    /// read back as it grows; commit then stores that file. Null for a remote store.
    /// </summary>
    string? LocalPath { get; }

    /// <summary>Makes the object visible under its key, durably; an object already there is replaced.</summary>
    Task CommitAsync(CancellationToken cancellation);
}

public sealed record BackupObject(string Key, long Size, DateTimeOffset ModifiedAt);
