using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Monitoring;
using System.Text.Json.Nodes;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// The whole system around the sandbox for fault tests: the Api (in this process), an agent beside each server, a
/// proxy in front, and the cluster arranged as db1 master with db2 and db3 replicas. Disposing it stops the agents
/// and the proxy and brings back any server a test stopped or froze, so the next test's reset finds them up.
/// </summary>
public sealed class FailoverRig : IAsyncDisposable
{
    public const string ClusterName = "failover";

    /// <summary>How long a fault test waits for a failover to end.</summary>
    public static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(40);

    /// <summary>An acknowledgement the killed master sent just before it died may still be read after the kill.</summary>
    public static readonly TimeSpan AckInFlight = TimeSpan.FromSeconds(1);
    private readonly List<AgentHarness> _agents = [];
    private readonly ServiceProcess _proxy;

    private readonly ApiFactory _api;
    private bool _semiSync;

    private FailoverRig(ApiFactory api, ClusterClient client, Guid cluster, ServiceProcess proxy, int readWritePort)
    {
        _api = api;
        Client = client;
        Cluster = cluster;
        _proxy = proxy;
        ReadWritePort = readWritePort;
    }

    public ClusterClient Client { get; }

    public Guid Cluster { get; }

    public int ReadWritePort { get; }

    public IReadOnlyList<AgentHarness> Agents => _agents;

    /// <summary>With <paramref name="mutualPair"/>, db2 is db1's standby in a mutual pair (db1 replicates from it) and db3 a replica.</summary>
    public static async Task<FailoverRig> StartAsync(ApiFactory api, bool mutualPair = false)
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
        var client = new ClusterClient(api.CreateClient());
        var cluster = await client.RegisterSandboxClusterAsync(ClusterName);
        var readWritePort = ServiceProcess.FreePort();
        var proxy = ServiceProcess.Start("Proxy", new Dictionary<string, string?>
        {
            ["MYSQLHA_PROXY_Etcd__Endpoint"] = SandboxSettings.Current.Etcd,
            ["MYSQLHA_PROXY_Etcd__Prefix"] = ApiFactory.EtcdPrefix,
            ["MYSQLHA_PROXY_Clusters__0__Name"] = ClusterName,
            ["MYSQLHA_PROXY_Clusters__0__ReadWrite"] = $"127.0.0.1:{readWritePort}",
        });
        var rig = new FailoverRig(api, client, cluster, proxy, readWritePort);
        rig._agents.AddRange(await AgentHarness.StartBesideEachServerAsync(ApiFactory.EtcdPrefix, ClusterName));
        if (mutualPair)
        {
            await client.ArrangeMutualPairAsync(cluster);
            await client.SucceedAsync(cluster, "db3", "register", "replica");
            await client.SucceedAsync(cluster, "db3", "activate");
            await client.WaitForStatusAsync(cluster, "db3", "OK");
        }
        else
            await client.ArrangeMasterAndReplicasAsync(cluster, "db2", "db3");
        await WriteLoad.PrepareAsync(SandboxReplication.Primary);
        return rig;
    }

    public static ServerEndpoint Server(string instance) => SandboxSettings.Current.MariaDb[int.Parse(instance[2..]) - 1];

    public async Task<JsonNode> ClusterAsync() => JsonNode.Parse(await Client.Http.GetStringAsync($"/api/clusters/{Cluster}"))!;

    public async Task<string?> MasterAsync() =>
        (string?)(await ClusterAsync())["instances"]!.AsArray().FirstOrDefault(i => (string?)i!["role"] == "master")?["name"];

    /// <summary>Waits until a failover operation has ended, and returns its view (state and every step).</summary>
    public async Task<JsonNode> WaitForFailoverAsync(TimeSpan limit, Guid? after = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var operation = await LatestFailoverAsync();
            if (operation is not null && operation.Value != after)
            {
                // The operation's stream appears once the saga has started: a 404 until then.
                var response = await Client.Http.GetAsync($"/api/operations/{operation}");
                var view = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
                if (view is not null && (string?)view["state"] != "running") return view;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no failover ended within {limit}; cluster: {(await ClusterAsync()).ToJsonString()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Every failover started on the cluster, each once it has ended (state and steps).</summary>
    public async Task<IReadOnlyList<JsonNode>> FailoverViewsAsync(TimeSpan limit)
    {
        var views = new List<JsonNode>();
        var ids = (await ClusterEventsAsync()).OfType<OperationStarted>().Where(o => o.Kind == "failover").Select(o => o.OperationId).ToList();
        foreach (var id in ids)
        {
            var deadline = DateTime.UtcNow + limit;
            JsonNode view;
            while ((string?)(view = JsonNode.Parse(await Client.Http.GetStringAsync($"/api/operations/{id}"))!)["state"] == "running")
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"failover {id} did not end within {limit}");
                await Task.Delay(200);
            }
            views.Add(view);
        }
        return views;
    }

    /// <summary>The failover's fence-before-promote proof on <paramref name="instance"/>, asked of the leading Api's services as its saga asks.</summary>
    public async Task<FencingProof> ProveFencedAsync(string instance)
    {
        await using var session = _api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var cluster = (await session.LoadAsync<MySqlHa.Workflows.Clusters.Cluster>(Cluster))!;
        return await FailedMasterFence.ProveAsync(cluster, instance, Guid.NewGuid(), _api.Services.GetRequiredService<AgentClient>(),
            _api.Services.GetRequiredService<MonitorObservations>(), CancellationToken.None);
    }

    /// <summary>MoHA's switch records in etcd that name <paramref name="operation"/>: one, whatever replayed the step.</summary>
    public async Task<IReadOnlyList<JsonNode>> SwitchRecordsOfAsync(Guid operation)
    {
        using var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = ApiFactory.EtcdPrefix });
        var records = await etcd.Client.GetRangeValAsync($"{ApiFactory.EtcdPrefix}/clusters/{ClusterName}/switch/");
        return records.Values.Select(v => JsonNode.Parse(v)!).Where(r => (string?)r["operationId"] == operation.ToString()).ToList();
    }

    /// <summary>Starts a switchover of the rig's cluster; answers its operation id.</summary>
    public async Task<Guid> StartSwitchoverAsync(object body)
    {
        var response = await Client.Http.PostAsJsonAsync($"/api/clusters/{Cluster}/switchover", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return Guid.Parse((string)JsonNode.Parse(text)!["operationId"]!);
    }

    /// <summary>Waits until the operation is no longer running; returns its view (state and every step).</summary>
    public Task<JsonNode> WaitForOperationEndAsync(Guid operation, TimeSpan? limit = null) => Client.WaitForOperationEndAsync(operation, limit);

    public static Task<int> ReadOnlyAsync(string instance) => SandboxReplication.ScalarAsync<int>(Server(instance), "SELECT @@read_only");

    /// <summary>The port <paramref name="instance"/> replicates from, null when its applier does not run.</summary>
    public static async Task<int?> SourcePortAsync(string instance)
    {
        await using var connection = await SandboxReplication.OpenAsync(Server(instance));
        await using var reader = await new MySqlConnector.MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        return await reader.ReadAsync() && reader.GetString(reader.GetOrdinal("Slave_SQL_Running")) == "Yes"
            ? Convert.ToInt32(reader.GetValue(reader.GetOrdinal("Master_Port"))) : null;
    }

    /// <summary>Waits for the first failover to start, then for it to record <paramref name="step"/>; returns its id.</summary>
    public async Task<Guid> WaitForFailoverStepAsync(string step, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        Guid? operation;
        while ((operation = await LatestFailoverAsync()) is null)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no failover started within {limit}");
            await Task.Delay(100);
        }
        await Client.WaitForStepAsync(operation.Value, step);
        return operation.Value;
    }

    /// <summary>Waits until the cluster's stream holds an event of type <typeparamref name="T"/> (an alert, say).</summary>
    public async Task WaitForClusterEventAsync<T>(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!(await ClusterEventsAsync()).OfType<T>().Any())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {typeof(T).Name} on the cluster within {limit}");
            await Task.Delay(200);
        }
    }

    public async Task<int> FailoversStartedAsync() => (await ClusterEventsAsync()).OfType<OperationStarted>().Count(o => o.Kind == "failover");

    /// <summary>
    /// Semi-synchronous replication: never falling back, or after <paramref name="fallBackAfterMilliseconds"/> (for
    /// a test that leaves the new master without a replica, which would otherwise wait for ever). The rig resets the
    /// sandbox when it ends, which turns it off.
    /// </summary>
    public async Task EnableSemiSyncAsync(long? fallBackAfterMilliseconds = null)
    {
        _semiSync = true;
        var response = await Client.Http.PutAsJsonAsync($"/api/clusters/{Cluster}/semi-sync",
            new { enabled = true, neverFallBack = fallBackAfterMilliseconds is null, timeoutMilliseconds = fallBackAfterMilliseconds });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task SetPolicyAsync(object policy)
    {
        var response = await Client.Http.PutAsJsonAsync($"/api/clusters/{Cluster}/failover-policy", policy);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The last failover started on the cluster, from its stream.</summary>
    public async Task<Guid?> LatestFailoverAsync() =>
        (await ClusterEventsAsync()).OfType<OperationStarted>().LastOrDefault(o => o.Kind == "failover")?.OperationId;

    public async Task<IReadOnlyList<object>> ClusterEventsAsync()
    {
        await using var session = _api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(Cluster)).Select(e => e.Data).ToList();
    }

    public async Task<JsonNode> PostAsync(string path, object body)
    {
        var response = await Client.Http.PostAsJsonAsync($"/api/clusters/{Cluster}/{path}", body);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        _proxy.Dispose();
        SandboxReplication.RestartStoppedServers();
        if (_semiSync) SandboxReplication.Reset();
        await Task.CompletedTask;
    }
}
