using System.Collections.Concurrent;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// Serialises writers to one cluster's stream within this process (lifecycle operations, the monitor), so they
/// do not spend their time losing optimistic-concurrency races to each other. Across processes the stream's
/// expected version still decides.
/// </summary>
public sealed class ClusterWriteGate
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    public async Task<IDisposable> EnterAsync(Guid clusterId, CancellationToken cancellation)
    {
        var gate = _gates.GetOrAdd(clusterId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellation);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
