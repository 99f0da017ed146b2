using System.Text;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Tests.Backups;

/// <summary>The filesystem repository: an object appears whole on commit, and an upload that is never committed leaves nothing.</summary>
public sealed class FileSystemRepositoryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"mysqlha-repository-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task An_object_is_visible_only_once_committed_and_an_abandoned_upload_leaves_nothing()
    {
        var repository = new FileSystemBackupRepository(_root);
        await using (var upload = await repository.BeginUploadAsync("c/backups/b1/manifest.json", CancellationToken.None))
        {
            await upload.Content.WriteAsync(Encoding.UTF8.GetBytes("{}"));
            Assert.Null(await repository.DescribeAsync("c/backups/b1/manifest.json", CancellationToken.None));
            await upload.CommitAsync(CancellationToken.None);
        }
        Assert.Equal(2, (await repository.DescribeAsync("c/backups/b1/manifest.json", CancellationToken.None))!.Size);

        await using (var abandoned = await repository.BeginUploadAsync("c/backups/b2/backup.xbstream.zst", CancellationToken.None))
            await abandoned.Content.WriteAsync(new byte[1000]);
        Assert.Equal(["c/backups/b1/manifest.json"], await repository.ListAsync("c/", CancellationToken.None).Select(o => o.Key).ToListAsync());
        Assert.Empty(Directory.EnumerateFiles(_root, "*partial*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_file_another_program_writes_at_the_uploads_local_path_is_what_commit_stores_and_abandoning_it_removes_it()
    {
        var repository = new FileSystemBackupRepository(_root);
        await using (var upload = await repository.BeginUploadAsync("c/backups/b5/backup.xbstream.zst", CancellationToken.None))
        {
            Assert.False(File.Exists(upload.LocalPath), "the program given the path creates the file");
            await File.WriteAllBytesAsync(upload.LocalPath!, new byte[1234]);
            await upload.CommitAsync(CancellationToken.None);
        }
        Assert.Equal(1234, (await repository.DescribeAsync("c/backups/b5/backup.xbstream.zst", CancellationToken.None))!.Size);

        await using (var abandoned = await repository.BeginUploadAsync("c/backups/b6/backup.xbstream.zst", CancellationToken.None))
            await File.WriteAllBytesAsync(abandoned.LocalPath!, new byte[10]);
        Assert.Empty(await repository.ListAsync("c/backups/b6/", CancellationToken.None).ToListAsync());
        Assert.Empty(Directory.EnumerateFiles(_root, "*partial*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Partial_uploads_of_a_dead_writer_are_removed_and_deleting_leaves_no_empty_folders()
    {
        var repository = new FileSystemBackupRepository(_root);
        Directory.CreateDirectory(Path.Combine(_root, "c", "backups", "b3"));
        await File.WriteAllTextAsync(Path.Combine(_root, "c", "backups", "b3", "backup.xbstream.zst.partial-0123"), "torn");
        Assert.Equal(1, await repository.RemovePartialUploadsAsync("c/backups/b3/", CancellationToken.None));

        await using (var upload = await repository.BeginUploadAsync("c/backups/b4/manifest.json", CancellationToken.None))
            await upload.CommitAsync(CancellationToken.None);
        Assert.True(await repository.DeleteAsync("c/backups/b4/manifest.json", CancellationToken.None));
        Assert.False(await repository.DeleteAsync("c/backups/b4/manifest.json", CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(_root, "c", "backups", "b4")));
        Assert.Throws<ArgumentException>(() => repository.OpenReadAsync("../outside", CancellationToken.None).GetAwaiter().GetResult());
    }
}
