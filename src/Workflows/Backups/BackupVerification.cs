using System.Text.Json;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Workflows.Backups;

/// <summary>
/// Before a backup is called completed, the controller checks what the repository really holds: the manifest the
/// agent wrote there says what the agent answered, and the artifact has the size the manifest gives it. The agent
/// checked the artifact's SHA-256 when it wrote it; reading it all again here would double the backup's I/O.
/// </summary>
public static class BackupVerification
{
    public static async Task<string?> ProblemAsync(IBackupRepository repository, string cluster, Guid backupId, BackupManifest answered,
        CancellationToken cancellation)
    {
        if (answered.BackupId != backupId || answered.ArtifactKey != BackupKeys.Artifact(cluster, backupId, answered.Compression))
            return $"the agent answered a manifest of another backup ({answered.BackupId}, {answered.ArtifactKey})";
        var manifestKey = BackupKeys.Manifest(cluster, backupId);
        await using var stream = await repository.OpenReadAsync(manifestKey, cancellation);
        if (stream is null) return $"the repository holds no manifest at {manifestKey}";
        var stored = await JsonSerializer.DeserializeAsync<BackupManifest>(stream, JsonSerializerOptions.Web, cancellation);
        if (stored != answered) return $"the manifest at {manifestKey} differs from the agent's answer";
        var artifact = await repository.DescribeAsync(answered.ArtifactKey, cancellation);
        if (artifact is null) return $"the repository holds no artifact at {answered.ArtifactKey}";
        if (artifact.Size != answered.StoredBytes)
            return $"the artifact at {answered.ArtifactKey} has {artifact.Size} bytes, its manifest says {answered.StoredBytes}";
        if (!answered.Verified) return "the agent did not verify the artifact it wrote";
        return null;
    }
}
