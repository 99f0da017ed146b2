using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

/// <summary>A real agent process beside one sandbox server, and an HTTP client that speaks to it as a controller.</summary>
public sealed class AgentHarness : IDisposable
{
    private readonly ServiceProcess _process;

    private AgentHarness(ServiceProcess process, string stateDirectory, AgentTls? tls)
    {
        _process = process;
        StateDirectory = stateDirectory;
        // The harness only waits for the agent and drives it as a test asks; the controller's own verification of an
        // agent's certificate is what the TLS tests exercise.
        var handler = tls is null ? new HttpClientHandler()
            : new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        Http = new HttpClient(handler) { BaseAddress = new Uri(process.Url), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tls is null ? AgentToken.Value : File.ReadAllText(tls.TokenFile).Trim());
    }

    public HttpClient Http { get; }

    public string StateDirectory { get; }

    public string Output => _process.Output;

    /// <summary>The agent's process id, to find the tools it runs.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// The pid of the agent's child process named <paramref name="name"/> (a backup tool it runs, say) whose command
    /// line holds <paramref name="argument"/> (the tool's run, not its --version asked before), waited for up to 10 s.
    /// </summary>
    public async Task<int> ChildProcessAsync(string name, string argument)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            foreach (var stat in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
            {
                string text;
                try { text = await File.ReadAllTextAsync(Path.Combine(stat, "stat")); }
                catch (IOException) { continue; }
                // pid (comm) state ppid ...: the name may hold spaces, so read after its closing parenthesis.
                var comm = text[(text.IndexOf('(') + 1)..text.LastIndexOf(')')];
                var ppid = int.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[1]);
                if (ppid == ProcessId && comm.StartsWith(name[..Math.Min(name.Length, 15)], StringComparison.Ordinal)
                    && await CommandLineAsync(stat) is { } arguments && arguments.Contains(argument))
                    return int.Parse(Path.GetFileName(stat));
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the agent did not start {name} {argument}");
            await Task.Delay(20);
        }
    }

    private static async Task<string[]?> CommandLineAsync(string process)
    {
        try { return (await File.ReadAllTextAsync(Path.Combine(process, "cmdline"))).Split('\0'); }
        catch (IOException) { return null; }
    }


    public static string NewStateDirectory() => Path.Combine(Path.GetTempPath(), $"mysqlha-agent-state-{Guid.NewGuid():N}");

    /// <summary>Starts the agent process without waiting for it (a test of how it refuses to start, say); <paramref name="settings"/> adds to or overrides its environment.</summary>
    public static ServiceProcess StartProcess(ServerEndpoint server, string etcdPrefix, string stateDirectory,
        string cluster = "agent-commands", string? instance = null, AgentTls? tls = null, IReadOnlyDictionary<string, string?>? settings = null) =>
        ServiceProcess.Start("Agent", new Dictionary<string, string?>((tls is null ? [] : new Dictionary<string, string?>
        {
            ["Kestrel__Certificates__Default__Path"] = tls.Certificate,
            ["Kestrel__Certificates__Default__KeyPath"] = tls.Key,
        }).Concat(new Dictionary<string, string?>
        {
            ["MYSQLHA_AGENT_Cluster"] = cluster,
            ["MYSQLHA_AGENT_Instance"] = instance ?? $"db{server.Port}",
            ["MYSQLHA_AGENT_Server__Host"] = server.Host,
            ["MYSQLHA_AGENT_Server__Port"] = server.Port.ToString(),
            ["MYSQLHA_AGENT_Server__User"] = SandboxSettings.Current.Admin.User,
            ["MYSQLHA_AGENT_Server__PasswordFile"] = SandboxSettings.Current.Admin.Secret,
            ["MYSQLHA_AGENT_Replication__User"] = SandboxSettings.Current.Replication.User,
            ["MYSQLHA_AGENT_Replication__PasswordFile"] = SandboxSettings.Current.Replication.Secret,
            ["MYSQLHA_AGENT_Etcd__Endpoint"] = SandboxSettings.Current.Etcd,
            ["MYSQLHA_AGENT_Etcd__Prefix"] = etcdPrefix,
            ["MYSQLHA_AGENT_AdvertisedUrl"] = "{url}",
            ["MYSQLHA_AGENT_TokenFile"] = tls?.TokenFile ?? AgentToken.File,
            ["MYSQLHA_AGENT_StateDirectory"] = stateDirectory,
            ["MYSQLHA_AGENT_AllowedCommands__0"] = "/bin/echo",
            ["MYSQLHA_AGENT_AllowedCommands__1"] = "/bin/sleep",
        }).Where(setting => settings?.ContainsKey(setting.Key) != true).Concat(settings ?? new Dictionary<string, string?>())),
            scheme: tls is null ? "http" : "https");

    public static async Task<AgentHarness> StartAsync(ServerEndpoint server, string etcdPrefix, string? stateDirectory = null,
        string cluster = "agent-commands", string? instance = null, AgentTls? tls = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        stateDirectory ??= NewStateDirectory();
        var process = StartProcess(server, etcdPrefix, stateDirectory, cluster, instance, tls, settings);
        var harness = new AgentHarness(process, stateDirectory, tls);
        using var etcd = new MySqlHa.Coordination.Etcd.EtcdConnection(new() { Endpoint = SandboxSettings.Current.Etcd, Prefix = etcdPrefix });
        var key = etcd.Keys.Agent(cluster, instance ?? $"db{server.Port}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                // Ready once it answers and its registration in etcd names it (an earlier agent's key may linger).
                if ((await harness.Http.GetAsync("/healthz")).IsSuccessStatusCode
                    && (await etcd.Client.GetValAsync(key)).Contains(process.Url)) return harness;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                // Left running, it would answer for its server under the test's prefix in the tests that follow.
                harness.Dispose();
                throw new TimeoutException($"the agent did not start:\n{process.Output}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>An agent beside every sandbox server (db1, db2, ...), started side by side, as a cluster's agents are.</summary>
    public static async Task<List<AgentHarness>> StartBesideEachServerAsync(string etcdPrefix, string cluster,
        Func<int, IReadOnlyDictionary<string, string?>>? settingsOf = null)
    {
        var starting = SandboxSettings.Current.MariaDb.Select((server, i) =>
            StartAsync(server, etcdPrefix, cluster: cluster, instance: $"db{i + 1}", settings: settingsOf?.Invoke(i + 1))).ToList();
        try
        {
            return [.. await Task.WhenAll(starting)];
        }
        catch
        {
            // Those that did start would outlive the failed test and answer for their servers in the tests that follow.
            foreach (var started in starting.Where(s => s.IsCompletedSuccessfully)) started.Result.Dispose();
            throw;
        }
    }

    /// <summary>Sends a command as the controller holding <paramref name="fencingToken"/>.</summary>
    public async Task<(int Status, JsonNode? Body)> CommandAsync(string command, object body, long fencingToken = 1)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/commands/{command}") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Fencing-Token", fencingToken.ToString());
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task<JsonNode> SucceedAsync(string command, object body, long fencingToken = 1)
    {
        var (status, answer) = await CommandAsync(command, body, fencingToken);
        Assert.True(status == 200, $"{command}: {status} {answer?.ToJsonString()}");
        return answer!;
    }

    public void Dispose()
    {
        _process.Dispose();
        Http.Dispose();
    }
}

/// <summary>An agent served over HTTPS with this certificate and key, accepting only its own token.</summary>
public sealed record AgentTls(string Certificate, string Key, string TokenFile);
