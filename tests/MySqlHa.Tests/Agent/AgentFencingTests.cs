using Etcdserverpb;
using Google.Protobuf;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

/// <summary>
/// The agent's fencing: one newest token per agent process, kept on disk across restarts, and checked against the
/// leader key in etcd, so that neither a deposed controller nor a forged token can command the server.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentFencingTests : IClassFixture<CanonicalSandbox>, IDisposable
{
    private readonly string _prefix = $"/mysqlha-test-agent-fencing-{Guid.NewGuid():N}";
    private readonly EtcdConnection _etcd;
    private readonly List<IDisposable> _processes = [];

    public AgentFencingTests() => _etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _prefix });

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        _etcd.Client.DeleteRange(_prefix);
        _etcd.Dispose();
        SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "SET GLOBAL read_only = OFF").GetAwaiter().GetResult();
    }

    private async Task<AgentHarness> AgentForAsync(int index, string? stateDirectory = null)
    {
        var agent = await AgentHarness.StartAsync(SandboxSettings.Current.MariaDb[index], _prefix, stateDirectory);
        _processes.Add(agent);
        return agent;
    }

    private static string Id() => Guid.NewGuid().ToString("N");

    /// <summary>A revision etcd has reached: a token that some controller could have been given.</summary>
    private async Task<long> EtcdRevisionAsync() =>
        (await _etcd.Client.PutAsync($"{_prefix}/clock", Id())).Header.Revision;

    /// <summary>A controller takes the leader key (after any earlier one's is gone); its create revision is its token.</summary>
    private async Task<long> ElectAsync(string identity)
    {
        await _etcd.Client.DeleteAsync(_etcd.Keys.ControllerLeader);
        var put = await _etcd.Client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.ControllerLeader), Value = ByteString.CopyFromUtf8(identity) });
        return put.Header.Revision;
    }

    [Fact]
    public async Task A_stale_fencing_token_is_refused_even_after_the_agent_restarts()
    {
        var stateDirectory = AgentHarness.NewStateDirectory();
        var agent = await AgentForAsync(0, stateDirectory);
        var newest = await EtcdRevisionAsync();
        await agent.SucceedAsync("set-read-write", new { commandId = Id() }, fencingToken: newest);

        var (stale, refusal) = await agent.CommandAsync("set-read-only", new { commandId = Id() }, fencingToken: newest - 1);
        Assert.Equal(409, stale);
        Assert.Equal(newest, (long?)refusal!["newestFencingToken"]);
        var (missing, _) = await agent.CommandAsync("set-read-only", new { commandId = Id() }, fencingToken: 0);
        Assert.Equal(400, missing);

        agent.Dispose();
        var restarted = await AgentForAsync(0, stateDirectory);
        var (afterRestart, _) = await restarted.CommandAsync("set-read-only", new { commandId = Id() }, fencingToken: newest - 1);
        Assert.Equal(409, afterRestart);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
    }

    [Fact]
    public async Task A_stale_fencing_token_cannot_change_semi_sync()
    {
        var agent = await AgentForAsync(0);
        var newest = await EtcdRevisionAsync();
        await agent.SucceedAsync("set-read-write", new { commandId = Id() }, fencingToken: newest);

        var (stale, refusal) = await agent.CommandAsync("configure-semi-sync",
            new { commandId = Id(), enabled = true, timeoutMilliseconds = 1000, asMaster = true }, fencingToken: newest - 1);

        Assert.Equal(409, stale);
        Assert.Equal(newest, (long?)refusal!["newestFencingToken"]);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(SandboxReplication.Primary, "SELECT @@rpl_semi_sync_master_enabled"));
    }

    [Fact]
    public async Task A_forged_token_is_refused_and_locks_no_controller_out()
    {
        var agent = await AgentForAsync(0);
        var (beyondEtcd, unknown) = await agent.CommandAsync("set-read-only", new { commandId = Id() }, fencingToken: long.MaxValue);
        Assert.Equal(409, beyondEtcd);
        Assert.Equal("Unknown fencing token.", (string?)unknown!["title"]);

        var first = await ElectAsync("controller-a");
        var (beyondLeader, _) = await agent.CommandAsync("set-read-only", new { commandId = Id() }, fencingToken: first + 1);
        Assert.Equal(409, beyondLeader);
        await agent.SucceedAsync("set-read-write", new { commandId = Id() }, fencingToken: first);

        var second = await ElectAsync("controller-b");
        var (deposed, stale) = await agent.CommandAsync("set-read-only", new { commandId = Id() }, fencingToken: first);
        Assert.Equal(409, deposed);
        Assert.Equal("Stale fencing token.", (string?)stale!["title"]);
        await agent.SucceedAsync("set-read-write", new { commandId = Id() }, fencingToken: second);
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
    }

    [Fact]
    public async Task Concurrent_commands_leave_the_newest_token_on_disk()
    {
        var stateDirectory = AgentHarness.NewStateDirectory();
        var agent = await AgentForAsync(1, stateDirectory);
        var top = await EtcdRevisionAsync();
        var applied = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0], "SELECT @@gtid_current_pos");
        var tokens = Enumerable.Range(0, 16).Select(i => top - 15 + i).ToList();

        var answers = await Task.WhenAll(tokens.Select(token =>
            agent.CommandAsync("wait-for-gtid", new { commandId = Id(), gtidSet = applied, timeoutSeconds = 5 }, fencingToken: token)));

        Assert.All(answers, answer => Assert.Contains(answer.Status, new[] { 200, 409 }));
        Assert.Equal(200, answers[^1].Status);
        Assert.Equal(top.ToString(), (await File.ReadAllTextAsync(Path.Combine(stateDirectory, "fencing-token"))).Trim());
        agent.Dispose();
        var restarted = await AgentForAsync(1, stateDirectory);
        Assert.Equal(409, (await restarted.CommandAsync("wait-for-gtid", new { commandId = Id(), gtidSet = applied, timeoutSeconds = 5 }, fencingToken: top - 1)).Status);
        await restarted.SucceedAsync("wait-for-gtid", new { commandId = Id(), gtidSet = applied, timeoutSeconds = 5 }, fencingToken: top);
    }

    [Fact]
    public async Task A_state_file_that_holds_no_token_stops_the_agent_with_the_reason()
    {
        var stateDirectory = AgentHarness.NewStateDirectory();
        Directory.CreateDirectory(stateDirectory);
        await File.WriteAllTextAsync(Path.Combine(stateDirectory, "fencing-token"), "");

        using var agent = AgentHarness.StartProcess(SandboxReplication.Primary, _prefix, stateDirectory);

        Assert.Equal(2, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("not a fencing token", agent.Output);
    }
}
