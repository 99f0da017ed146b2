using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Failover;

public sealed record NodeSample(DateTimeOffset At, int Node, bool? Writable, string? GtidBinlogPos);

/// <summary>Samples read_only and the GTID position of every sandbox server every 100 ms, as an auditor beside the cluster.</summary>
public sealed class WritableObserver : IAsyncDisposable
{
    private readonly List<NodeSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private WritableObserver() => _sampling = Task.Run(SampleAsync);

    public static WritableObserver Start() => new();

    public IReadOnlyList<NodeSample> Samples { get { lock (_samples) return _samples.ToList(); } }

    /// <summary>Moments after <paramref name="since"/> when more than one server was writable in the same sampling round.</summary>
    public IReadOnlyList<DateTimeOffset> TwoWritableSince(DateTimeOffset since) => Samples
        .Where(s => s.At >= since && s.Writable == true)
        .GroupBy(s => s.At)
        .Where(round => round.Count() > 1)
        .Select(round => round.Key)
        .ToList();

    private async Task SampleAsync()
    {
        var servers = SandboxSettings.Current.MariaDb;
        while (!_stop.IsCancellationRequested)
        {
            var at = DateTimeOffset.UtcNow;
            var round = await Task.WhenAll(servers.Select((server, index) => SampleOneAsync(server, index + 1, at)));
            lock (_samples) _samples.AddRange(round);
            await Task.Delay(100);
        }
    }

    private static async Task<NodeSample> SampleOneAsync(ServerEndpoint server, int node, DateTimeOffset at)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await using var connection = await SandboxReplication.OpenAsync(server, timeout.Token);
            await using var reader = await new MySqlCommand("SELECT @@read_only, @@gtid_binlog_pos", connection).ExecuteReaderAsync(timeout.Token);
            await reader.ReadAsync(timeout.Token);
            return new NodeSample(at, node, reader.GetInt32(0) == 0, reader.GetString(1));
        }
        catch (Exception)
        {
            return new NodeSample(at, node, null, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
