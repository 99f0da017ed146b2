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

    [Fact]
    public async Task A_leader_that_cannot_renew_its_lease_stops_holding_before_etcd_could_expire_it()
    {
        var leader = Candidate("leader");
        await leader.StartAsync(default);
        await WaitUntilAsync(() => leader.IsLeader, "the candidate never led");
        var term = leader.CurrentTerm!;
        try
        {
            // etcd frozen: no renewal gets through, and etcd expires nothing either. The last renewal was sent before
            // this moment, so the lease cannot outlive one TTL from here: by then the term must hold no more.
            SandboxReplication.SuspendEtcd();
            await Task.Delay(TimeSpan.FromSeconds(2));

            Assert.False(term.Holds, "the leader still trusted a lease etcd may have expired");
            Assert.False(leader.IsLeader);
            Assert.Throws<NotLeadingException>(() => leader.Lead());
            await WaitUntilAsync(() => term.Ended.IsCancellationRequested, "the term was not ended");
        }
        finally
        {
            SandboxReplication.ResumeEtcd();
        }
        await leader.StopAsync(default);
    }

    [Fact]
    public async Task A_leader_whose_key_vanishes_ends_its_term_at_once_and_campaigns_again_with_a_new_token()
    {
        var leader = Candidate("leader");
        await leader.StartAsync(default);
        await WaitUntilAsync(() => leader.IsLeader, "the candidate never led");
        var term = leader.CurrentTerm!;

        await _connections[0].Client.DeleteAsync(_connections[0].Keys.ControllerLeader);

        await WaitUntilAsync(() => term.Ended.IsCancellationRequested, "the watch did not end the term when the leader key vanished");
        Assert.False(term.Holds);
        await WaitUntilAsync(() => leader.IsLeader, "the candidate did not lead again");
        Assert.True(leader.CurrentTerm!.FencingToken > term.FencingToken);
        await leader.StopAsync(default);
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
