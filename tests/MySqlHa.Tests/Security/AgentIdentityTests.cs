using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Security;

/// <summary>
/// Agents over HTTPS, each with a token of its own and an address the controller is configured with: the controller
/// verifies the agent's certificate against its CA, sends each agent only its own token, and refuses an agent that
/// registered in etcd at another address.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentIdentityTests : IAsyncLifetime
{
    private const string Cluster = "tls-agents";
    private readonly string _prefix = $"/mysqlha-test-tls-agents-{Guid.NewGuid():N}";
    private readonly TestCertificates _certificates = new();
    private readonly string _tokens = Directory.CreateTempSubdirectory("mysqlha-agent-tokens-").FullName;
    private readonly List<AgentHarness> _agents = [];
    private readonly ApiFactory _factory = new();
    private WebApplicationFactory<Program> _api = null!;

    public async Task InitializeAsync()
    {
        SandboxReplication.Reset();
        await ApiProcess.DropSchemaAsync("test_tls_agents");
        // Every agent over HTTPS with a token of its own; the controller holds db1's and db2's, not db3's.
        foreach (var (instance, server) in new[] { "db1", "db2", "db3" }.Zip(SandboxSettings.Current.MariaDb))
        {
            var token = instance == "db3" ? Path.Combine(_certificates.Folder, "db3.token") : Path.Combine(_tokens, $"{Cluster}.{instance}.token");
            await File.WriteAllTextAsync(token, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)) + "\n");
            var (certificate, key) = _certificates.ServerCertificate(instance);
            _agents.Add(await AgentHarness.StartAsync(server, _prefix, cluster: Cluster, instance: instance, tls: new AgentTls(certificate, key, token)));
        }
        _api = _factory.WithWebHostBuilder(builder => builder
            .UseSetting("MySqlHa:Schema", "test_tls_agents")
            .UseSetting("Etcd:Prefix", _prefix)
            .UseSetting("MySqlHa:Agents:TokenFile", "")
            .UseSetting("MySqlHa:Agents:TokenFolder", _tokens)
            .UseSetting("MySqlHa:Agents:CaFile", _certificates.CaFile)
            .UseSetting($"MySqlHa:Agents:Addresses:{Cluster}.db1", _agents[0].Http.BaseAddress!.ToString())
            // db2's agent registers at its real address; the controller expects it elsewhere.
            .UseSetting($"MySqlHa:Agents:Addresses:{Cluster}.db2", $"https://127.0.0.1:{ServiceProcess.FreePort()}"));
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        await _api.DisposeAsync();
        await _factory.DisposeAsync();
        _certificates.Dispose();
        Directory.Delete(_tokens, recursive: true);
    }

    [Fact]
    public async Task Commands_reach_a_verified_agent_with_its_own_token_and_no_other()
    {
        var client = new ClusterClient(_api.CreateClient());
        var cluster = await client.RegisterSandboxClusterAsync(Cluster);
        await client.SucceedAsync(cluster, "db1", "register", "master");
        await client.SucceedAsync(cluster, "db2", "register", "replica");
        await client.SucceedAsync(cluster, "db3", "register", "replica");

        // db1: over HTTPS, its certificate from the CA, its own token.
        await client.SucceedAsync(cluster, "db1", "pause");
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[0], "SELECT @@read_only"));
        await client.SucceedAsync(cluster, "db1", "resume");

        var (elsewhere, refused) = await client.OperateAsync(cluster, "db2", "activate");
        var (tokenless, untokened) = await client.OperateAsync(cluster, "db3", "activate");

        Assert.Equal(HttpStatusCode.BadGateway, elsewhere);
        Assert.Contains("not at its configured address", (string?)refused["detail"]);
        Assert.Equal(HttpStatusCode.BadGateway, tokenless);
        Assert.Contains("no token is configured for tls-agents/db3's agent", (string?)untokened["detail"]);
    }

    [Fact]
    public async Task An_agent_whose_certificate_is_not_from_the_ca_is_not_sent_anything()
    {
        using var stranger = new TestCertificates();
        await ApiProcess.DropSchemaAsync("test_tls_stranger");
        var api = _factory.WithWebHostBuilder(builder => builder
            .UseSetting("MySqlHa:Schema", "test_tls_stranger")
            .UseSetting("Etcd:Prefix", _prefix)
            .UseSetting("MySqlHa:Agents:TokenFile", "")
            .UseSetting("MySqlHa:Agents:TokenFolder", _tokens)
            .UseSetting("MySqlHa:Agents:CaFile", stranger.CaFile));
        await using (api)
        {
            var client = new ClusterClient(api.CreateClient());
            var cluster = await client.RegisterSandboxClusterAsync(Cluster);
            await client.SucceedAsync(cluster, "db1", "register", "master");

            var (status, problem) = await client.OperateAsync(cluster, "db1", "pause");

            Assert.Equal(HttpStatusCode.BadGateway, status);
            Assert.Contains("cannot be reached", (string?)problem["detail"]);
            Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[0], "SELECT @@read_only"));
        }
    }
}
