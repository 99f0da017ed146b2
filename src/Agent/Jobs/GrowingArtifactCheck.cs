using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Checks a zstd artifact while zstd still writes it: one thread reads the file as it grows (the stored bytes
/// themselves, from the page cache), hashes and counts them and feeds them to <c>zstd -t</c>, which says whether they
/// decompress whole and to how many bytes. The file is the buffer between the writer and the check, so the check may
/// fall behind by any amount and never holds the backup's pipeline back; <c>zstd -t</c> runs at a lower priority, so
/// that on a busy host it takes the CPU the pipeline leaves and catches up at the end. Each stretch it has read is
/// handed to the kernel's writeback, so that the fsync at commit finds most of the file on disk already.
/// </summary>
internal static partial class GrowingArtifactCheck
{
    /// <summary>Large reads: few system calls, and the hash and the pipe to zstd -t take a pipe's worth at a time.</summary>
    private const int ReadSize = 4 * PipeCapacity.CopyBuffer;

    /// <summary>How much of the file is handed to writeback at a time: large enough to write in big requests.</summary>
    private const long WritebackStep = 32L << 20;

    /// <summary>How long a read that found no new bytes waits before it looks again (zstd writes several MB/s at least).</summary>
    private static readonly TimeSpan IdlePause = TimeSpan.FromMilliseconds(20);

    /// <summary>SYNC_FILE_RANGE_WRITE: start writing the range's dirty pages, without waiting for them.</summary>
    private const uint StartWriteback = 2;

    public static Task<CheckedArtifact> RunAsync(BackupSettings settings, string path, Task written, Action<long> counted, CancellationToken cancellation) =>
        Task.Factory.StartNew(() => Run(settings, path, written, counted, cancellation), cancellation, TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

    private static async Task<CheckedArtifact> Run(BackupSettings settings, string path, Task written, Action<long> counted, CancellationToken cancellation)
    {
        // Not quiet: its report of the decompressed size is the one thing it says when all is well.
        await using var zstd = ToolProcess.Start(settings.Zstd, ["-t", "-"], input: true, ProcessPriorityClass.BelowNormal);
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
                Feed(zstd.Input, buffer, read);
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
        await zstd.Input.DisposeAsync();
        await zstd.SucceedAsync(cancellation);
        var raw = ZstdTestReport.DecompressedBytes(zstd.ErrorTail)
            ?? throw new JobFailedException($"zstd -t passed the stored artifact but did not say its decompressed size: {zstd.ErrorTail}");
        return new CheckedArtifact(raw, stored, Convert.ToHexStringLower(hash.GetHashAndReset()));
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

    private static void Feed(Stream check, byte[] buffer, int count)
    {
        try
        {
            check.Write(buffer, 0, count);
        }
        catch (IOException e)
        {
            throw new JobFailedException($"the stored artifact does not decompress: zstd -t stopped reading it ({e.Message})");
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle file, long offset, long count, uint flags);
}

/// <summary>What a stored artifact was found to be: its size decompressed and stored, and the SHA-256 of the stored bytes.</summary>
internal sealed record CheckedArtifact(long RawBytes, long StoredBytes, string Sha256);
