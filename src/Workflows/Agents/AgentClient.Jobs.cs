using System.Net.Http.Json;
using System.Text.Json;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Workflows.Agents;

/// <summary>
/// What an agent answered about a long job (a backup, a restore): the job as it stands, or why there is no answer.
/// <paramref name="Unreachable"/> as for commands: no agent could be reached at all.
/// </summary>
public sealed record AgentJobAnswer(bool Succeeded, int Status, AgentJob? Job, string? Failure, bool Unreachable = false);

// The agent's long jobs: started (or found again) by command id, then followed until they end.
public sealed partial class AgentClient
{
    public Task<AgentJobAnswer> StartBackupJobAsync(string cluster, string instance, string commandId, Guid backupId, BackupCompression compression,
        CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/backup", new TakeBackupRequest(commandId, backupId, compression), cancellation);

    public Task<AgentJobAnswer> StartRestoreJobAsync(string cluster, string instance, RestoreBackupRequest request, CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/restore", request, cancellation);

    public Task<AgentJobAnswer> StartReplayJobAsync(string cluster, string instance, ReplayBinlogsRequest request, CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/replay-binlogs", request, cancellation);

    public Task<AgentJobAnswer> StartExtractDivergedJobAsync(string cluster, string instance, ExtractDivergedRequest request, CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/extract-diverged", request, cancellation);

    public Task<AgentJobAnswer> StartFlashbackJobAsync(string cluster, string instance, FlashbackRequest request, CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/flashback", request, cancellation);

    public Task<AgentJobAnswer> StartVerifyJobAsync(string cluster, string instance, VerifyBackupRequest request, CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/verify-backup", request, cancellation);

    public Task<AgentJobAnswer> StartSetAsideJobAsync(string cluster, string instance, SetAsideRequest request, CancellationToken cancellation) =>
        JobCallAsync(cluster, instance, HttpMethod.Post, "jobs/set-aside", request, cancellation);

    public Task<AgentJobAnswer> JobAsync(string cluster, string instance, string commandId, CancellationToken cancellation) =>
        JobCallAsync<object>(cluster, instance, HttpMethod.Get, $"jobs/{Uri.EscapeDataString(commandId)}", null, cancellation);

    /// <summary>The job once it has ended, or as it is after <paramref name="wait"/> when it still runs.</summary>
    public Task<AgentJobAnswer> FollowJobAsync(string cluster, string instance, string commandId, TimeSpan wait, CancellationToken cancellation) =>
        JobCallAsync<object>(cluster, instance, HttpMethod.Get, $"jobs/{Uri.EscapeDataString(commandId)}?waitSeconds={(int)wait.TotalSeconds}", null,
            cancellation, wait);

    public Task<AgentJobAnswer> CancelJobAsync(string cluster, string instance, string commandId, CancellationToken cancellation) =>
        JobCallAsync<object>(cluster, instance, HttpMethod.Delete, $"jobs/{Uri.EscapeDataString(commandId)}", null, cancellation);

    private async Task<AgentJobAnswer> JobCallAsync<TBody>(string cluster, string instance, HttpMethod method, string path, TBody? body,
        CancellationToken cancellation, TimeSpan? wait = null)
        where TBody : class
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: JsonSerializerOptions.Web);
        var reply = await SendAsync<AgentJob>(cluster, instance, request, wait, cancellation);
        return new AgentJobAnswer(reply.Succeeded, reply.Status, reply.Body, reply.Failure, reply.Unreachable);
    }
}
