using Microsoft.Extensions.Logging.Abstractions;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Coordination;

public sealed class LeaderElectionTests : IDisposable
{
    private readonly string _prefix = $"/mysqlha-test-election-{Guid.NewGuid():N}";
    private readonly List<EtcdConnection> _connections = [];

    private LeaderElection Candidate(string identity)
    {
        var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _prefix });
        _connections.Add(etcd);
        return new LeaderElection(etcd, new LeaderElectionOptions
        {
            Identity = identity,
            LeaseTtl = TimeSpan.FromSeconds(2),
            RetryInterval = TimeSpan.FromMilliseconds(200),
        }, NullLogger<LeaderElection>.Instance);
    }

    [Fact]
    public async Task Exactly_one_candidate_leads_and_a_successor_takes_over_with_a_higher_fencing_token()
    {
        var first = Candidate("first");
        var second = Candidate("second");
        await first.StartAsync(default);
        await WaitUntilAsync(() => first.IsLeader, "the first candidate never led");
        await second.StartAsync(default);
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.True(first.IsLeader);
        Assert.False(second.IsLeader);
        Assert.Equal("first", await _connections[0].Client.GetValAsync(_connections[0].Keys.ControllerLeader));
        var firstTerm = first.CurrentTerm!;

        await first.StopAsync(default);

        Assert.True(firstTerm.Ended.IsCancellationRequested, "the deposed leader's term did not end");
        await WaitUntilAsync(() => second.IsLeader, "the second candidate never took over");
        Assert.True(second.CurrentTerm!.FencingToken > firstTerm.FencingToken);
        Assert.Equal("second", await _connections[1].Client.GetValAsync(_connections[1].Keys.ControllerLeader));
        await second.StopAsync(default);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(failure);
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _connections[0].Client.DeleteRange(_prefix);
        foreach (var connection in _connections) connection.Dispose();
    }
}
