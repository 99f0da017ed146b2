using System.Collections.Concurrent;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Api.Security.ApiKeys;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;
using Wolverine;

namespace MySqlHa.Tests.Api;

/// <summary>
/// The real Api host against the sandbox PostgreSQL and etcd, in a schema of its own. Data is reset before each
/// test (not after), so a failed test leaves its state behind to look at.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string Schema = "test_api";

    public const string EtcdPrefix = "/mysqlha-test-api";

    // Program ends in RunJasperFxCommands, which must start the host itself when a test factory drives it.
    static ApiFactory() => JasperFx.CommandLine.JasperFxEnvironment.AutoStartHost = true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Postgres", SandboxSettings.Current.Postgres);
        builder.UseSetting("Etcd:Endpoint", SandboxSettings.Current.Etcd);
        builder.UseSetting("Etcd:Prefix", EtcdPrefix);
        builder.UseSetting("MySqlHa:Schema", Schema);
        builder.UseSetting("MySqlHa:Durability", "Solo");
        builder.UseSetting("MySqlHa:Agents:TokenFile", AgentToken.File);
        builder.UseSetting("MySqlHa:Auth:BootstrapKeyFile", AdminKey.File);
        builder.UseSetting("MySqlHa:Secrets:Folder", SandboxSettings.Current.ApiSecrets);
        // Our own log lines tell a failed test's story; the framework's (a line per HTTP request and per agent call,
        // tens of thousands a run) cost CPU the timing-sensitive tests need, and only warnings of theirs are kept.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:MySqlHa", "Information");
        builder.ConfigureServices(services => services.ConfigureWolverine(wolverine =>
        {
            wolverine.Policies.AddMiddleware(typeof(InjectedStepFaults), chain => InjectedStepFaults.AppliesTo(chain.MessageType));
            // The middleware changes the handlers' code, so the code generated ahead of time for the Api cannot serve here.
            wolverine.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Dynamic;
        }));
    }

    /// <summary>Every client signs in as the bootstrap admin; tests of roles and refusals make their own.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.SignIn();
    }

    private readonly ConcurrentDictionary<string, Lazy<Task<List<AgentHarness>>>> _agents = new();

    /// <summary>
    /// An agent beside every sandbox server for the named cluster (the agents register under a cluster's name), for
    /// tests that change servers through the Api: started on first use and kept for the whole run, as a cluster's
    /// agents are. Tests that kill or restart agents start their own.
    /// </summary>
    public Task<List<AgentHarness>> AgentsForAsync(string cluster) =>
        _agents.GetOrAdd(cluster, name => new(() => AgentHarness.StartBesideEachServerAsync(EtcdPrefix, name))).Value;

    protected override void Dispose(bool disposing)
    {
        foreach (var agents in _agents.Values.Where(a => a.IsValueCreated && a.Value.IsCompletedSuccessfully))
            foreach (var agent in agents.Value.Result) agent.Dispose();
        base.Dispose(disposing);
    }

    public async Task ResetDataAsync()
    {
        await Services.GetRequiredService<IDocumentStore>().Advanced.ResetAllData();
        // The host keeps running meanwhile: its monitor may append an event between the reset's delete and its restart
        // of the event sequence, and the sequence would then hand that event's number out again (a duplicate key that
        // fails some later step). The sequence is moved past every event that is there.
        await using var connection = new Npgsql.NpgsqlConnection(SandboxSettings.Current.Postgres);
        await connection.OpenAsync();
        await new Npgsql.NpgsqlCommand(
            $"SELECT setval('{Schema}.mt_events_sequence', GREATEST((SELECT COALESCE(MAX(seq_id), 0) FROM {Schema}.mt_events), 1))",
            connection).ExecuteScalarAsync();
        // The reset took the keys too: the bootstrap admin key is stored again, as on a first start.
        await Services.GetRequiredService<BootstrapAdminKey>().EnsureAsync(CancellationToken.None);
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api";
}
