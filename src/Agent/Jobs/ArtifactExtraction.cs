using System.Security.Cryptography;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// A stored backup unpacked into a folder in one pass: the artifact streamed from the repository through the
/// decompressor into mbstream, its SHA-256 computed over the very bytes read. A damaged artifact is reported by its
/// hash, even when the decompressor chokes on it first: the hash says what is wrong, the tool only where it noticed.
/// </summary>
internal static class ArtifactExtraction
{
    public static async Task ExtractAsync(BackupSettings backup, IBackupRepository repository, string artifactKey, BackupCompression compression,
        string expectedSha256, string target, RunningJob job, CancellationToken cancellation)
    {
        Directory.CreateDirectory(target);
        await using var stored = await repository.OpenReadAsync(artifactKey, cancellation)
                                 ?? throw new JobFailedException($"the repository no longer holds {artifactKey}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var read = new MeteredStream(stored, hash, job.Add);
        JobFailedException? extraction = null;
        try
        {
            await using var extract = ToolProcess.Start(backup.StreamTool, ["-x", "-C", target], input: true);
            await Compression.DecompressAsync(backup, read, extract, compression, cancellation);
            await extract.SucceedAsync(cancellation);
        }
        catch (JobFailedException e)
        {
            extraction = e;
        }
        // Whatever follows the compressed stream's end (or its break) counts too: the hash is over every stored byte.
        await read.CopyToAsync(Stream.Null, cancellation);
        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new JobFailedException($"{artifactKey} hashes to SHA-256 {sha256}, not {expectedSha256}: it is not the backup asked for, or it is damaged");
        if (extraction is not null) throw extraction;
    }
}
