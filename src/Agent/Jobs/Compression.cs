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
    /// <summary>Compresses <paramref name="source"/>'s standard output into <paramref name="destination"/>; answers the raw bytes read.</summary>
    public static async Task<long> CompressAsync(BackupSettings settings, ToolProcess source, Stream destination, BackupCompression compression,
        CancellationToken cancellation)
    {
        if (compression == BackupCompression.Gzip)
        {
            var raw = new MeteredStream(source.Output);
            await using (var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true))
                await raw.CopyToAsync(gzip, PipeCapacity.CopyBuffer, cancellation);
            return raw.Bytes;
        }
        await using var zstd = ToolProcess.Start(settings.Zstd, ["-q", "-c", "-T0", "-3"], input: true);
        var rawIn = new MeteredStream(zstd.Input);
        try
        {
            await Task.WhenAll(PumpAsync(source.Output, rawIn, closeDestination: zstd.Input, cancellation),
                zstd.Output.CopyToAsync(destination, PipeCapacity.CopyBuffer, cancellation));
        }
        catch (IOException e)
        {
            // A broken pipe says only that one side died: the tools' own words say why.
            throw new JobFailedException($"the backup stream broke ({e.Message}); {source.Name}: {source.ErrorTail}; zstd: {zstd.ErrorTail}");
        }
        await zstd.SucceedAsync(cancellation);
        return rawIn.Bytes;
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

    /// <summary>Reads all of <paramref name="stored"/> and checks that it decompresses whole (zstd -t, or gzip into nothing).</summary>
    public static async Task TestAsync(BackupSettings settings, Stream stored, BackupCompression compression, CancellationToken cancellation)
    {
        try
        {
            if (compression == BackupCompression.Gzip)
            {
                await using var gzip = new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true);
                await gzip.CopyToAsync(Stream.Null, cancellation);
                return;
            }
            await using var zstd = ToolProcess.Start(settings.Zstd, ["-q", "-t", "-"], input: true);
            await PumpAsync(stored, zstd.Input, zstd.Input, cancellation);
            await zstd.SucceedAsync(cancellation);
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
