using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Failover;

/// <summary>The leader's one-writer watch on the real sandbox: a replica made writable behind our back is seen, recorded once and made read-only.</summary>
[Collection(ApiCollection.Name)]
public sealed class WritableInvariantTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private FailoverRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FailoverRig.StartAsync(api);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_replica_made_writable_by_hand_is_recorded_once_and_made_read_only_through_its_agent()
    {
        // An administrator (or a script) turns read_only off on a replica: two writable servers.
        await SandboxReplication.ExecuteAsync(FailoverRig.Server("db3"), "SET GLOBAL read_only = 0");

        await _rig.WaitForClusterEventAsync<WritableInvariantViolated>(TimeSpan.FromSeconds(20));
        for (var deadline = DateTime.UtcNow.AddSeconds(20); await FailoverRig.ReadOnlyAsync("db3") == 0; await Task.Delay(100))
            Assert.True(DateTime.UtcNow < deadline, "db3 was not made read-only again");
        // A few more rounds: the episode is over, and nothing more is recorded for it.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var violations = (await _rig.ClusterEventsAsync()).OfType<WritableInvariantViolated>().ToList();
        foreach (var violation in violations)
            output.WriteLine($"{violation.Kind} {violation.Instance}: writable {string.Join(", ", violation.Writable)}; made read-only {violation.MadeReadOnly}");
        var follower = Assert.Single(violations, v => v.Kind == "follower-writable");
        Assert.Equal("db3", follower.Instance);
        Assert.True(follower.MadeReadOnly);
        var several = Assert.Single(violations, v => v.Kind == "several-writable");
        Assert.Equal(["db1", "db3"], several.Writable.Order());
        Assert.Equal(0, await FailoverRig.ReadOnlyAsync("db1"));
        Assert.Equal(0, await _rig.FailoversStartedAsync());
    }
}
