using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

/// <summary>The Api run as its own process (so that a test can kill it hard), against the sandbox, with the agents' token.</summary>
public static class ApiProcess
{
    /// <summary>
    /// Starts an Api process with its own etcd prefix and schema, and waits until /healthz answers 200. It reaches etcd at
    /// <paramref name="etcdEndpoint"/> (default: the sandbox's), a relay a test can cut, say. <paramref name="settings"/>
    /// adds environment variables or overrides ours (MySqlHa__Webhooks__FirstRetryDelay, Etcd__CaFile, say).
    /// </summary>
    public static async Task<(ServiceProcess Process, ClusterClient Client)> StartAsync(string etcdPrefix, string schema, string? etcdEndpoint = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = SandboxSettings.Current.Postgres,
            ["Etcd__Endpoint"] = etcdEndpoint ?? SandboxSettings.Current.Etcd,
            ["Etcd__Prefix"] = etcdPrefix,
            ["MySqlHa__Schema"] = schema,
            ["MySqlHa__Durability"] = "Solo",
            ["MySqlHa__Agents__TokenFile"] = AgentToken.File,
            ["MySqlHa__Auth__BootstrapKeyFile"] = AdminKey.File,
            ["MySqlHa__Secrets__Folder"] = SandboxSettings.Current.ApiSecrets,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;
        var process = ServiceProcess.Start("Api", environment);
        // Generous: a fresh process compiles each handler on its first message, which takes tens of seconds on a loaded machine.
        var http = new HttpClient { BaseAddress = new Uri(process.Url), Timeout = TimeSpan.FromMinutes(2) }.SignIn();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return (process, new ClusterClient(http));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                process.Dispose();
                throw new TimeoutException($"the Api did not start:\n{process.Output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Drops a test's schema, so that its Api starts from nothing.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new Npgsql.NpgsqlConnection(SandboxSettings.Current.Postgres);
        await connection.OpenAsync();
        await new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection).ExecuteNonQueryAsync();
    }
}
