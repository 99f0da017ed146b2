using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Storage;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// The agent's backup, restore and diverged-master jobs: each started once per command id, run in the background
/// (beside, never through, the command journal's one-at-a-time lock, so that a fence is never queued behind a backup),
/// one at a time, and recorded durably in StateDirectory/jobs when it starts and when it ends. A job found recorded as
/// running when the agent starts was cut short by the agent's end: it is marked failed and what it left is cleaned up.
/// </summary>
internal sealed partial class AgentJobs
{
    /// <summary>Ended jobs are kept this long, so that a controller that was down for a while still finds its answer.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, RunningJob> _running = new();
    // Starting is serialized so that the check for a running job and the start of the next one cannot interleave.
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly string _folder;
    private readonly JobCleanup _cleanup;
    private readonly TimeProvider _clock;
    private readonly ILogger<AgentJobs> _logger;

    public AgentJobs(AgentSettings settings, JobCleanup cleanup, TimeProvider clock, ILogger<AgentJobs> logger)
    {
        _cleanup = cleanup;
        _clock = clock;
        _logger = logger;
        _folder = Path.Combine(settings.StateDirectory, "jobs");
        Directory.CreateDirectory(_folder);
        WorkFolder = Path.Combine(settings.StateDirectory, "job-work");
    }

    /// <summary>Where jobs keep their scratch files; nothing in it outlives its job, and it is emptied at start.</summary>
    public string WorkFolder { get; }

    /// <summary>Marks every job recorded as running failed and cleans up after it; called once, before the agent takes requests.</summary>
    public async Task RecoverAsync(CancellationToken cancellation)
    {
        foreach (var file in new DirectoryInfo(_folder).EnumerateFiles("*.json"))
        {
            var record = Read(file.FullName);
            if (record.Job.State != AgentJobState.Running)
            {
                if (record.Job.EndedAt < _clock.GetUtcNow() - Retention) file.Delete();
                continue;
            }
            var note = await _cleanup.CleanAsync(record.Cleanup, cancellation);
            var failed = record with { Job = record.Job with
            {
                State = AgentJobState.Failed, EndedAt = _clock.GetUtcNow(), Failure = "the agent stopped during the job" + note,
            } };
            Write(failed);
            LogRecovered(record.Job.Kind, record.Job.CommandId, failed.Job.Failure!);
        }
        foreach (var file in new DirectoryInfo(_folder).EnumerateFiles("*.tmp")) file.Delete();
        if (Directory.Exists(WorkFolder)) Directory.Delete(WorkFolder, recursive: true);
    }

    /// <summary>The job started under <paramref name="commandId"/>, running or ended, or null when there is none.</summary>
    public AgentJob? Find(string commandId) =>
        _running.TryGetValue(commandId, out var running) ? running.Snapshot()
        : File.Exists(PathOf(commandId)) ? Read(PathOf(commandId)).Job
        : null;

    /// <summary>
    /// The job as <see cref="Find"/> answers it, once it has ended or <paramref name="wait"/> has passed, whichever is
    /// first: a caller that follows a job learns of its end when it happens, not at its next look.
    /// </summary>
    public async Task<AgentJob?> FollowAsync(string commandId, TimeSpan wait, CancellationToken cancellation)
    {
        if (_running.TryGetValue(commandId, out var running))
        {
            try
            {
                await running.Ended.WaitAsync(wait, _clock, cancellation);
            }
            catch (TimeoutException)
            {
                // Still running: answered as it is now.
            }
        }
        return Find(commandId);
    }

    /// <summary>Cancels a running job: it fails, and cleans up as any failed job does. False when it is not running.</summary>
    public bool Cancel(string commandId)
    {
        if (!_running.TryGetValue(commandId, out var running)) return false;
        running.Cancellation.Cancel();
        return true;
    }

    /// <summary>
    /// Answers the job already started under <paramref name="commandId"/>, or checks <paramref name="precondition"/>
    /// (a refusal leaves nothing started) and starts <paramref name="work"/> in the background.
    /// </summary>
    public async Task<JobStart> StartAsync(string commandId, string kind, JobCleanupPlan cleanup,
        Func<CancellationToken, Task<JobRefusal?>> precondition, JobWork work)
    {
        await _starting.WaitAsync();
        try
        {
            if (Find(commandId) is { } existing)
                return existing.Kind == kind ? JobStart.Found(existing)
                    : JobStart.Refused(new JobRefusal(StatusCodes.Status409Conflict, "The command id was used for another job.",
                        $"Command id '{commandId}' names a {existing.Kind} job, not a {kind} job."));
            if (_running.Values.FirstOrDefault() is { } busy)
                return JobStart.Refused(new JobRefusal(StatusCodes.Status409Conflict, "Another job is running.",
                    $"The {busy.Kind} job '{busy.CommandId}' is running; the agent runs one backup or restore at a time."));
            if (await precondition(CancellationToken.None) is { } refusal)
                return JobStart.Refused(refusal);

            var job = new RunningJob(commandId, kind, _clock.GetUtcNow());
            var record = new JobRecord(job.Snapshot(), cleanup);
            Write(record);
            _running[commandId] = job;
            // The job belongs to the agent, not to the request: it goes on when the caller hangs up.
            _ = Task.Run(() => RunAsync(job, record, work));
            LogStarted(kind, commandId);
            return JobStart.Started(job.Snapshot());
        }
        finally
        {
            _starting.Release();
        }
    }

    private async Task RunAsync(RunningJob job, JobRecord record, JobWork work)
    {
        AgentJob ended;
        try
        {
            var result = await work(job, job.Cancellation.Token);
            ended = job.Snapshot() with { State = AgentJobState.Completed, EndedAt = _clock.GetUtcNow(), Manifest = result.Manifest, Restored = result.Restored, Diverged = result.Diverged,
                Verification = result.Verification, SetAside = result.SetAside };
            LogCompleted(job.Kind, job.CommandId, job.BytesDone);
        }
        catch (Exception e)
        {
            var reason = e switch
            {
                OperationCanceledException when job.Cancellation.IsCancellationRequested => "cancelled by DELETE /jobs/" + job.CommandId,
                JobFailedException => e.Message,
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            string note;
            try
            {
                note = await _cleanup.CleanAsync(record.Cleanup, CancellationToken.None);
            }
            catch (Exception cleanupError)
            {
                note = $"; cleaning up failed too: {cleanupError.Message}";
            }
            ended = job.Snapshot() with { State = AgentJobState.Failed, EndedAt = _clock.GetUtcNow(), Failure = reason + note };
            LogFailed(job.Kind, job.CommandId, ended.Failure!);
        }
        try
        {
            Write(record with { Job = ended });
        }
        finally
        {
            _running.TryRemove(job.CommandId, out _);
            job.Cancellation.Dispose();
            job.End();
        }
    }

    private static JobRecord Read(string path) => JsonSerializer.Deserialize<JobRecord>(File.ReadAllText(path), JsonSerializerOptions.Web)!;

    private void Write(JobRecord record) =>
        DurableFile.Replace(PathOf(record.Job.CommandId), JsonSerializer.Serialize(record, JsonSerializerOptions.Web));

    /// <summary>Ids are the controller's text: a hash makes each a safe file name of one length.</summary>
    private string PathOf(string commandId) => Path.Combine(_folder, FileNameOf(commandId) + ".json");

    public static string FileNameOf(string commandId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commandId)));

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} job {CommandId} started")]
    private partial void LogStarted(string kind, string commandId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} job {CommandId} completed, {Bytes} bytes")]
    private partial void LogCompleted(string kind, string commandId, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} job {CommandId} failed: {Reason}")]
    private partial void LogFailed(string kind, string commandId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} job {CommandId} was running when the agent stopped: {Reason}")]
    private partial void LogRecovered(string kind, string commandId, string reason);
}
