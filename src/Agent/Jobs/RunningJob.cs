using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>A job in this process: its progress, its cancellation.</summary>
internal sealed class RunningJob(string commandId, string kind, DateTimeOffset startedAt)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytesDone;

    public string CommandId => commandId;

    public string Kind => kind;

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Completes once the job's end is recorded, so that a caller waiting for it can read the record.</summary>
    public Task Ended => _ended.Task;

    public void Add(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    public void End() => _ended.TrySetResult();

    public AgentJob Snapshot() => new(commandId, kind, AgentJobState.Running, startedAt, null, BytesDone, null, null, null);
}
