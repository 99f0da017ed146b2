using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

/// <summary>The agent's command journal: answers that outlive a restart, and commands run one at a time.</summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentJournalTests : IClassFixture<CanonicalSandbox>, IDisposable
{
    private readonly string _prefix = $"/mysqlha-test-agent-journal-{Guid.NewGuid():N}";
    private readonly List<AgentHarness> _agents = [];

    public void Dispose()
    {
        foreach (var agent in _agents) agent.Dispose();
        SandboxReplication.Reset();
    }

    private async Task<AgentHarness> AgentForAsync(int index, string? stateDirectory = null)
    {
        var agent = await AgentHarness.StartAsync(SandboxSettings.Current.MariaDb[index], _prefix, stateDirectory);
        _agents.Add(agent);
        return agent;
    }

    private static string Id() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_command_answered_before_a_restart_is_answered_again_after_it_and_not_run_twice()
    {
        var stateDirectory = AgentHarness.NewStateDirectory();
        var agent = await AgentForAsync(0, stateDirectory);
        var commandId = Id();
        var first = await agent.SucceedAsync("set-read-only", new { commandId });
        agent.Dispose();
        // What an operator or a later step did meanwhile must not be undone by a retry of the old command.
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "SET GLOBAL read_only = OFF");

        var restarted = await AgentForAsync(0, stateDirectory);
        var retry = await restarted.SucceedAsync("set-read-only", new { commandId });

        Assert.False((bool)first["replayed"]!);
        Assert.True((bool)retry["replayed"]!);
        Assert.Equal((string?)first["completedAt"], (string?)retry["completedAt"]);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
        var (reused, _) = await restarted.CommandAsync("set-read-write", new { commandId });
        Assert.Equal(409, reused);
    }

    [Fact]
    public async Task Commands_on_one_server_run_one_at_a_time()
    {
        var agent = await AgentForAsync(1);
        var unreached = "0-1-999999999";
        var waiting = agent.SucceedAsync("wait-for-gtid", new { commandId = Id(), gtidSet = unreached, timeoutSeconds = 3 });
        await WaitUntilTheServerRunsAsync("MASTER_GTID_WAIT");

        var stopped = await agent.SucceedAsync("stop-replication", new { commandId = Id() });
        var waited = await waiting;

        Assert.False((bool)waited["detail"]!["reached"]!);
        Assert.True(DateTimeOffset.Parse((string)stopped["completedAt"]!) >= DateTimeOffset.Parse((string)waited["completedAt"]!),
            $"stop-replication completed at {stopped["completedAt"]}, before the wait it queued behind ({waited["completedAt"]})");
    }

    private static async Task WaitUntilTheServerRunsAsync(string statement)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await SandboxReplication.ScalarAsync<long>(SandboxReplication.Replicas[0],
                    $"SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE '%{statement}(%' AND info NOT LIKE '%processlist%'") > 0)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the replica never ran {statement}");
    }
}
