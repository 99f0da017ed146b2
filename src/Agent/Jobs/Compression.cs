using System.IO.Compression;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// The compressors between a tool and the repository: zstd as a process (multi-threaded, -3: about the speed of the
/// disk at a good ratio), gzip in-process. Both stream; neither holds a backup in memory or on local disk.
/// </summary>
internal static class Compression
{
    /// <summary>
    /// Compresses <paramref name="source"/>'s standard output into <paramref name="destination"/>. zstd reads the tool's
    /// pipe itself (<see cref="ToolProcess.OutputPath"/>): a backup's raw stream is over twice its compressed size, and
    /// relaying it through the agent cost the backup CPU that both compete for on a small host. The caller then checks
    /// that the tool itself succeeded: a stream that merely ended compresses as well as a whole one.
    /// </summary>
    public static async Task CompressAsync(BackupSettings settings, ToolProcess source, Stream destination, BackupCompression compression,
        CancellationToken cancellation)
    {
        if (compression == BackupCompression.Gzip)
        {
            await using (var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true))
                await source.Output.CopyToAsync(gzip, PipeCapacity.CopyBuffer, cancellation);
            return;
        }
        await using var zstd = ToolProcess.Start(settings.Zstd, ["-q", "-c", "-T0", "-3", source.OutputPath]);
        try
        {
            await zstd.Output.CopyToAsync(destination, PipeCapacity.CopyBuffer, cancellation);
        }
        catch (IOException e)
        {
            throw new JobFailedException($"the backup stream broke ({e.Message}); {source.Name}: {source.ErrorTail}; zstd: {zstd.ErrorTail}");
        }
        // zstd before the tool: the agent's end of the tool's pipe stays open, so a tool whose zstd died would wait on a
        // full pipe forever; failing here ends the job, and the job's end kills the tool.
        await zstd.SucceedAsync(cancellation);
    }

    /// <summary>
    /// zstd writes <paramref name="file"/> itself (it must not exist: zstd creates it), as it does when the two are run
    /// by hand; the tool's output reaches zstd's input through the kernel (<see cref="PipeSplice"/>), counted on the way.
    /// Answers the raw bytes; the caller then checks that the tool itself succeeded.
    /// </summary>
    public static async Task<long> CompressToFileAsync(BackupSettings settings, ToolProcess source, string file, CancellationToken cancellation)
    {
        await using var zstd = ToolProcess.Start(settings.Zstd, ["-q", "-T0", "-3", "-o", file], input: true);
        var relay = PipeSplice.RelayAsync(source.Output, zstd.Input);
        var exited = zstd.WaitAsync(cancellation);
        // The relay waits in the kernel for the tool's next bytes: zstd ending first (failed, killed, or ended by the
        // job's cancellation) ends the tool too, so that the relay sees the stream's end instead of waiting forever.
        if (await Task.WhenAny(relay, exited) == exited) source.Kill();
        long? raw = null;
        try
        {
            raw = await relay;
        }
        catch (JobFailedException)
        {
            // zstd stopped reading: its exit says why.
        }
        finally
        {
            // zstd's end of stream: it finishes the file, or sees the stream cut and the tool's failure fails the job.
            zstd.Input.Dispose();
        }
        await exited;
        await zstd.SucceedAsync(cancellation);
        return raw ?? throw new JobFailedException($"zstd stopped reading the backup stream: {zstd.ErrorTail}");
    }

    /// <summary>Decompresses <paramref name="stored"/> into <paramref name="destination"/> (a tool's standard input, closed at the end).</summary>
    public static async Task DecompressAsync(BackupSettings settings, Stream stored, ToolProcess destination, BackupCompression compression,
        CancellationToken cancellation)
    {
        try
        {
            if (compression == BackupCompression.Gzip)
            {
                await using (var gzip = new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true))
                    await PumpAsync(gzip, destination.Input, destination.Input, cancellation);
                return;
            }
            await using var zstd = ToolProcess.Start(settings.Zstd, ["-q", "-d", "-c"], input: true);
            await Task.WhenAll(PumpAsync(stored, zstd.Input, zstd.Input, cancellation),
                PumpAsync(zstd.Output, destination.Input, destination.Input, cancellation));
            await zstd.SucceedAsync(cancellation);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new JobFailedException($"the backup stream broke ({e.Message}); {destination.Name}: {destination.ErrorTail}");
        }
    }

    /// <summary>
    /// Reads all of <paramref name="stored"/>, checks that it decompresses whole (zstd -t, or gzip into nothing) and
    /// answers the bytes it decompresses to.
    /// </summary>
    public static async Task<long> TestAsync(BackupSettings settings, Stream stored, BackupCompression compression, CancellationToken cancellation)
    {
        try
        {
            if (compression == BackupCompression.Gzip)
            {
                await using var gzip = new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true);
                var raw = new MeteredStream(gzip);
                await raw.CopyToAsync(Stream.Null, cancellation);
                return raw.Bytes;
            }
            // Not quiet: its report of the decompressed size is the one thing it says when all is well.
            await using var zstd = ToolProcess.Start(settings.Zstd, ["-t", "-"], input: true);
            await PumpAsync(stored, zstd.Input, zstd.Input, cancellation);
            await zstd.SucceedAsync(cancellation);
            return ZstdTestReport.DecompressedBytes(zstd.ErrorTail)
                ?? throw new JobFailedException($"zstd -t passed the stored artifact but did not say its decompressed size: {zstd.ErrorTail}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new JobFailedException($"the stored artifact does not decompress: {e.Message}");
        }
    }

    /// <summary>Copies, then closes the receiving pipe so that the next tool sees the end of its input.</summary>
    private static async Task PumpAsync(Stream from, Stream to, Stream closeDestination, CancellationToken cancellation)
    {
        await from.CopyToAsync(to, PipeCapacity.CopyBuffer, cancellation);
        await to.FlushAsync(cancellation);
        await closeDestination.DisposeAsync();
    }
}
