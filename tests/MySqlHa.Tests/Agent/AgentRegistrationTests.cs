using System.Text.Json.Nodes;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

[Collection(SandboxCollection.Name)]
public sealed class AgentRegistrationTests : IClassFixture<CanonicalSandbox>, IDisposable
{
    private readonly string _prefix = $"/mysqlha-test-agent-{Guid.NewGuid():N}";
    private readonly EtcdConnection _etcd;

    public AgentRegistrationTests() =>
        _etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _prefix });

    private ServiceProcess StartAgent(string instance, ServerEndpoint server, IDictionary<string, string?>? overrides = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["MYSQLHA_AGENT_Cluster"] = "agent-test",
            ["MYSQLHA_AGENT_Instance"] = instance,
            ["MYSQLHA_AGENT_Server__Host"] = server.Host,
            ["MYSQLHA_AGENT_Server__Port"] = server.Port.ToString(),
            ["MYSQLHA_AGENT_Server__User"] = SandboxSettings.Current.Admin.User,
            ["MYSQLHA_AGENT_Server__PasswordFile"] = SandboxSettings.Current.Admin.Secret,
            ["MYSQLHA_AGENT_Etcd__Endpoint"] = SandboxSettings.Current.Etcd,
            ["MYSQLHA_AGENT_Etcd__Prefix"] = _prefix,
            ["MYSQLHA_AGENT_LeaseTtl"] = "00:00:03",
            ["MYSQLHA_AGENT_AdvertisedUrl"] = "{url}",
            ["MYSQLHA_AGENT_TokenFile"] = AgentToken.File,
            ["MYSQLHA_AGENT_StateDirectory"] = AgentHarness.NewStateDirectory(),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) environment[key] = value;
        return ServiceProcess.Start("Agent", environment);
    }

    [Fact]
    public async Task Agent_registers_with_a_healthy_mysqld_and_its_key_vanishes_within_the_ttl_after_kill_9()
    {
        using var agent = StartAgent("db1", SandboxReplication.Primary);
        var key = _etcd.Keys.Agent("agent-test", "db1");

        var record = await WaitForValueAsync(key, value => value is not null, TimeSpan.FromSeconds(30), agent);
        Assert.True((bool)record!["health"]!["mysqldUp"]!, record.ToJsonString());
        Assert.Equal(SandboxReplication.Primary.ToString(), (string?)record["server"]);
        Assert.Equal(agent.Url, (string?)record["agentUrl"]);

        agent.KillHard();
        var killedAt = DateTime.UtcNow;
        await WaitForValueAsync(key, value => value is null, TimeSpan.FromSeconds(10), agent);

        Assert.True(DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(4.5), $"the key outlived the 3 s TTL: {DateTime.UtcNow - killedAt}");
    }

    [Fact]
    public async Task Agent_whose_mysqld_is_down_stays_registered_and_says_so()
    {
        using var agent = StartAgent("db9", new ServerEndpoint("127.0.0.1", 1));

        var record = await WaitForValueAsync(_etcd.Keys.Agent("agent-test", "db9"), value => value is not null, TimeSpan.FromSeconds(30), agent);

        Assert.False((bool)record!["health"]!["mysqldUp"]!);
        Assert.Contains("connect", (string?)record["health"]!["detail"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_agent_reports_its_mysqld_process_gone_at_once_not_at_its_next_health_check()
    {
        // A check once a minute: only the agent's watch on the listening socket can report the kill within the wait below.
        using var agent = StartAgent("db3", SandboxReplication.Replicas[1], new Dictionary<string, string?>
        {
            ["MYSQLHA_AGENT_LeaseTtl"] = "00:02:00",
            ["MYSQLHA_AGENT_HealthInterval"] = "00:01:00",
        });
        var key = _etcd.Keys.Agent("agent-test", "db3");
        await WaitForValueAsync(key, value => (bool?)value?["health"]?["mysqldUp"] == true, TimeSpan.FromSeconds(30), agent);

        try
        {
            SandboxReplication.StopServer(3);
            var record = await WaitForValueAsync(key, value => (bool?)value?["health"]?["mysqldUp"] == false, TimeSpan.FromSeconds(20), agent);

            Assert.True((bool)record!["health"]!["processGone"]!, record.ToJsonString());
            Assert.Contains("nothing listens on its port", (string?)record["health"]!["detail"]);
        }
        finally
        {
            SandboxReplication.RestartStoppedServers();
        }
    }

    [Fact]
    public async Task A_hung_mysqld_is_reported_stopped_not_gone_and_up_again_as_soon_as_it_is_continued()
    {
        // A long interval between health checks: the stop, and the end of it, are each seen by watching the process.
        using var agent = StartAgent("db2", SandboxReplication.Replicas[0], new Dictionary<string, string?>
        {
            ["MYSQLHA_AGENT_HealthInterval"] = "00:00:30",
            ["MYSQLHA_AGENT_LeaseTtl"] = "00:01:00",
        });
        var key = _etcd.Keys.Agent("agent-test", "db2");
        await WaitForValueAsync(key, value => (bool?)value?["health"]?["mysqldUp"] == true, TimeSpan.FromSeconds(30), agent);

        try
        {
            SandboxReplication.SuspendServer(2);
            var record = await WaitForValueAsync(key, value => (bool?)value?["health"]?["mysqldUp"] == false, TimeSpan.FromSeconds(30), agent);

            Assert.False((bool)record!["health"]!["processGone"]!, record.ToJsonString());
            Assert.True((bool)record["health"]!["processStopped"]!, record.ToJsonString());
            Assert.Contains("is stopped", (string?)record["health"]!["detail"]);

            // The controller counts a stopped master as lost: the report must not outlive the stop by a health interval.
            SandboxReplication.ResumeServer(2);
            var continued = await WaitForValueAsync(key, value => (bool?)value?["health"]?["mysqldUp"] == true, TimeSpan.FromSeconds(5), agent);
            Assert.False((bool)continued!["health"]!["processStopped"]!, continued.ToJsonString());
        }
        finally
        {
            SandboxReplication.ResumeServer(2);
        }
    }

    [Fact]
    public async Task Clean_stop_revokes_the_lease_so_the_key_goes_at_once()
    {
        using var agent = StartAgent("db2", SandboxReplication.Replicas[0]);
        var key = _etcd.Keys.Agent("agent-test", "db2");
        await WaitForValueAsync(key, value => value is not null, TimeSpan.FromSeconds(30), agent);

        agent.Interrupt();
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        Assert.Null(await ValueAsync(key));
    }

    [Fact]
    public async Task Invalid_configuration_stops_the_agent_with_every_problem_listed()
    {
        using var agent = StartAgent("db3", SandboxReplication.Primary, new Dictionary<string, string?>
        {
            ["MYSQLHA_AGENT_Cluster"] = null,
            ["MYSQLHA_AGENT_Server__PasswordFile"] = "/nonexistent/secret",
            ["MYSQLHA_AGENT_LeaseTtl"] = "00:00:00.500",
        });

        Assert.Equal(2, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Cluster is required", agent.Output);
        Assert.Contains("'/nonexistent/secret' does not exist", agent.Output);
        Assert.Contains("LeaseTtl must be at least 1 second", agent.Output);
    }

    private async Task<JsonNode?> ValueAsync(string key)
    {
        var value = await _etcd.Client.GetValAsync(key);
        return value.Length == 0 ? null : JsonNode.Parse(value);
    }

    private async Task<JsonNode?> WaitForValueAsync(string key, Func<JsonNode?, bool> condition, TimeSpan limit, ServiceProcess agent)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var value = await ValueAsync(key);
            if (condition(value)) return value;
            if (DateTime.UtcNow - started > limit)
                throw new TimeoutException($"{key} did not reach the expected state within {limit}; agent output:\n{agent.Output}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _etcd.Client.DeleteRange(_prefix);
        _etcd.Dispose();
    }
}
