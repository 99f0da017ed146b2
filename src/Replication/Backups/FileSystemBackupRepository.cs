using System.Runtime.CompilerServices;
using MySqlHa.Replication.Storage;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// The repository as a folder (local, or a mount every agent and the controller share). An upload is written to
/// <c>{key}.partial-{random}</c>, then flushed to disk, renamed over the key and the folder flushed, so that a crash
/// leaves either the whole object or a partial file that <see cref="RemovePartialUploadsAsync"/> clears.
/// </summary>
public sealed class FileSystemBackupRepository : IBackupRepository
{
    private const string PartialMarker = ".partial-";
    private readonly string _root;

    public FileSystemBackupRepository(string root)
    {
        if (!Path.IsPathFullyQualified(root)) throw new ArgumentException($"The backup repository '{root}' must be an absolute path.", nameof(root));
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Location => _root;

    public Task<IBackupUpload> BeginUploadAsync(string key, CancellationToken cancellation)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult<IBackupUpload>(new Upload(path + PartialMarker + Guid.NewGuid().ToString("N"), path));
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellation)
    {
        var path = PathOf(key);
        return Task.FromResult<Stream?>(File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null);
    }

    public Task<BackupObject?> DescribeAsync(string key, CancellationToken cancellation)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new BackupObject(key, file.Length, file.LastWriteTimeUtc) : null);
    }

    public async IAsyncEnumerable<BackupObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellation)
    {
        BackupKeys.Checked(prefix);
        await Task.CompletedTask;
        if (!Directory.Exists(_root)) yield break;
        var found = new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.Name.Contains(PartialMarker, StringComparison.Ordinal))
            .Select(f => new BackupObject(Path.GetRelativePath(_root, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.Length, f.LastWriteTimeUtc))
            .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(o => o.Key, StringComparer.Ordinal);
        foreach (var item in found)
        {
            cancellation.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellation)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        DeleteEmptyFolders(Path.GetDirectoryName(path)!);
        return Task.FromResult(true);
    }

    public Task<int> RemovePartialUploadsAsync(string prefix, CancellationToken cancellation)
    {
        BackupKeys.Checked(prefix);
        var removed = 0;
        foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*" + PartialMarker + "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            file.Delete();
            removed++;
        }
        return Task.FromResult(removed);
    }

    private string PathOf(string key) => Path.Combine(_root, BackupKeys.Checked(key).TrimEnd('/'));

    /// <summary>A deleted backup leaves no empty folders behind, up to the repository's root.</summary>
    private void DeleteEmptyFolders(string folder)
    {
        while (folder.Length > _root.Length && folder.StartsWith(_root, StringComparison.Ordinal) && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    /// <summary>
    /// The partial file is created by the first write to <see cref="Content"/>, or by the program given
    /// <see cref="LocalPath"/>; either way commit syncs it to disk before it takes the key's name.
    /// </summary>
    private sealed class Upload(string partial, string path) : IBackupUpload
    {
        private FileStream? _stream;
        private bool _committed;

        public Stream Content => _stream ??= new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);

        public string LocalPath => partial;

        public async Task CommitAsync(CancellationToken cancellation)
        {
            var stream = _stream ?? new FileStream(partial, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
            await stream.FlushAsync(cancellation);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync();
            File.Move(partial, path, overwrite: true);
            DurableFile.FlushFolder(Path.GetDirectoryName(path)!);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_stream is not null) await _stream.DisposeAsync();
            if (!_committed && File.Exists(partial)) File.Delete(partial);
        }
    }
}
