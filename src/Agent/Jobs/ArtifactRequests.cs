using System.Text.Json;
using System.Text.RegularExpressions;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// The checks every job that reads a stored backup makes before it starts (a restore, a verification): the request
/// names a backup artifact with its compression and SHA-256, the repository holds it, and the manifest beside it
/// (when there is one) gives it that SHA-256. A refusal touches nothing.
/// </summary>
internal static partial class ArtifactRequests
{
    public static string? Problem(string? commandId, string? artifactKey, BackupCompression compression, string? sha256)
    {
        if (string.IsNullOrWhiteSpace(commandId)) return "commandId is required: a retry must carry the same id.";
        if (!Enum.IsDefined(compression)) return "compression must be zstd or gzip.";
        if (string.IsNullOrWhiteSpace(artifactKey)) return "artifactKey is required.";
        if (BackupKeys.Problem(artifactKey) is { } keyProblem) return $"artifactKey: {keyProblem}.";
        var suffix = "backup.xbstream" + compression.FileSuffix();
        if (!artifactKey.EndsWith("/" + suffix, StringComparison.Ordinal))
            return $"artifactKey '{artifactKey}' does not name a backup stored with {compression.ToString().ToLowerInvariant()} (…/{suffix}).";
        if (sha256 is null || !Sha256Text().IsMatch(sha256)) return "sha256 must be the artifact's SHA-256 as 64 hexadecimal digits.";
        return null;
    }

    public static async Task<JobRefusal?> RefusalAsync(IBackupRepository repository, string artifactKey, string sha256, CancellationToken cancellation)
    {
        if (await repository.DescribeAsync(artifactKey, cancellation) is null)
            return new JobRefusal(StatusCodes.Status404NotFound, "No such backup artifact.", $"The repository holds no {artifactKey}.");
        if (await ManifestBesideAsync(repository, artifactKey, cancellation) is { } manifest
            && !string.Equals(manifest.Sha256, sha256, StringComparison.OrdinalIgnoreCase))
            return new JobRefusal(StatusCodes.Status409Conflict, "The SHA-256 is not the backup's.",
                $"The manifest of {artifactKey} gives sha256 {manifest.Sha256}, not {sha256}.");
        return null;
    }

    /// <summary>The manifest written beside the artifact, when there is one (a backup restored by hand may have none).</summary>
    private static async Task<BackupManifest?> ManifestBesideAsync(IBackupRepository repository, string artifactKey, CancellationToken cancellation)
    {
        await using var stream = await repository.OpenReadAsync(artifactKey[..(artifactKey.LastIndexOf('/') + 1)] + "manifest.json", cancellation);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<BackupManifest>(stream, JsonSerializerOptions.Web, cancellation);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Text();
}
