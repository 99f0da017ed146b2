using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

/// <summary>src/Api as its own process against the sandbox (Solo durability), for tests that need it reachable over TCP or killed.</summary>
public static class ApiProcess
{
    /// <summary>Starts the Api with its etcd keys under <paramref name="etcdPrefix"/> and its tables in <paramref name="schema"/>; returns once /healthz answers 200.</summary>
    public static async Task<(ServiceProcess Process, ClusterClient Client)> StartAsync(string etcdPrefix, string schema)
    {
        var process = ServiceProcess.Start("Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = SandboxSettings.Current.Postgres,
            ["Etcd__Endpoint"] = SandboxSettings.Current.Etcd,
            ["Etcd__Prefix"] = etcdPrefix,
            ["MySqlHa__Schema"] = schema,
            ["MySqlHa__Durability"] = "Solo",
            ["MySqlHa__Agents__TokenFile"] = AgentToken.File,
        });
        var http = new HttpClient { BaseAddress = new Uri(process.Url), Timeout = TimeSpan.FromSeconds(30) };
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return (process, new ClusterClient(http));
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }
        process.Dispose();
        throw new TimeoutException($"the Api did not start:\n{process.Output}");
    }
}
