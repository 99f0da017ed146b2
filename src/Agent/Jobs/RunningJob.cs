using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>A job in this process: its progress, its cancellation.</summary>
internal sealed class RunningJob(string commandId, string kind, DateTimeOffset startedAt)
{
    private long _bytesDone;

    public string CommandId => commandId;

    public string Kind => kind;

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public CancellationTokenSource Cancellation { get; } = new();

    public void Add(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    public AgentJob Snapshot() => new(commandId, kind, AgentJobState.Running, startedAt, null, BytesDone, null, null, null);
}
