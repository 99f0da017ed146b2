using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Reads a zstd artifact while zstd still writes it: one thread reads the file as it grows (the stored bytes
/// themselves, from the page cache), hashes and counts them. The file is the buffer between the writer and the check,
/// so the check may fall behind by any amount and never holds the backup's pipeline back. Each stretch it has read is
/// handed to the kernel's writeback, so that the fsync at commit finds most of the file on disk already. Whether the
/// stored bytes decompress is proven by zstd's own checksum of the content (on by default) whenever they are read back,
/// and by the scheduled restore verification, which restores them; testing them here too cost the backup a quarter of
/// its time on a 2-core host, where compression already takes both cores.
/// </summary>
internal static partial class GrowingArtifactCheck
{
    /// <summary>Large reads: few system calls, and the hash takes a good stretch at a time.</summary>
    private const int ReadSize = 4 * PipeCapacity.CopyBuffer;

    /// <summary>How much of the file is handed to writeback at a time: large enough to write in big requests.</summary>
    private const long WritebackStep = 32L << 20;

    /// <summary>How long a read that found no new bytes waits before it looks again (zstd writes several MB/s at least).</summary>
    private static readonly TimeSpan IdlePause = TimeSpan.FromMilliseconds(20);

    /// <summary>SYNC_FILE_RANGE_WRITE: start writing the range's dirty pages, without waiting for them.</summary>
    private const uint StartWriteback = 2;

    public static Task<StoredArtifact> RunAsync(string path, Task written, Action<long> counted, CancellationToken cancellation) =>
        Task.Factory.StartNew(() => Run(path, written, counted, cancellation), cancellation, TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

    private static async Task<StoredArtifact> Run(string path, Task written, Action<long> counted, CancellationToken cancellation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ReadSize];
        long stored = 0, writtenBack = 0;
        using (var file = OpenWhenCreated(path, written, cancellation))
        {
            if (file is null) await written; // the writer ended without creating the file: it failed, and says why
            while (file is not null)
            {
                cancellation.ThrowIfCancellationRequested();
                // Whether the writer had ended is known before the read, so a read that then finds nothing is the end.
                var ended = written.IsCompleted;
                var read = RandomAccess.Read(file, buffer, stored);
                if (read == 0)
                {
                    if (ended) break;
                    WaitForMore(written);
                    continue;
                }
                hash.AppendData(buffer, 0, read);
                stored += read;
                counted(read);
                if (stored - writtenBack >= WritebackStep)
                {
                    _ = SyncFileRange(file, writtenBack, stored - writtenBack, StartWriteback);
                    writtenBack = stored;
                }
            }
        }
        await written;
        return new StoredArtifact(stored, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The file once its writer has created it, or null when the writer ended without creating it.</summary>
    private static SafeFileHandle? OpenWhenCreated(string path, Task written, CancellationToken cancellation)
    {
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            var ended = written.IsCompleted;
            if (File.Exists(path)) return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (ended) return null;
            WaitForMore(written);
        }
    }

    /// <summary>Waits a moment for the writer to write more, less if it ends; its failure is for the caller to see.</summary>
    private static void WaitForMore(Task written) => ((IAsyncResult)written).AsyncWaitHandle.WaitOne(IdlePause);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle file, long offset, long count, uint flags);
}

/// <summary>What a stored artifact was found to hold: its size and the SHA-256 of its bytes.</summary>
internal sealed record StoredArtifact(long StoredBytes, string Sha256);

/// <summary>What a stored artifact was found to be: its size decompressed and stored, and the SHA-256 of the stored bytes.</summary>
internal sealed record CheckedArtifact(long RawBytes, long StoredBytes, string Sha256);
