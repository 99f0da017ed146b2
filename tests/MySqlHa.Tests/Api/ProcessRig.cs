using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

/// <summary>
/// For tests that kill, freeze or cut off the Api: Api processes and an agent beside each sandbox server, with their own
/// etcd prefix and PostgreSQL schema, on a sandbox put back to its canonical shape when the rig is made and again when
/// it is disposed (after its processes are stopped and any stopped server is started).
/// </summary>
public sealed class ProcessRig : IDisposable
{
    private readonly List<IDisposable> _processes = [];

    public ProcessRig(string name)
    {
        Prefix = $"/mysqlha-test-{name}-{Guid.NewGuid():N}";
        Schema = $"test_{name.Replace('-', '_')}";
        SandboxReplication.Reset();
    }

    public string Prefix { get; }

    public string Schema { get; }

    /// <summary>An Api process on the rig's prefix and schema; <paramref name="settings"/> as for <see cref="ApiProcess.StartAsync"/>.</summary>
    public async Task<(ServiceProcess Process, ClusterClient Client)> StartApiAsync(string? etcdEndpoint = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var (process, client) = await ApiProcess.StartAsync(Prefix, Schema, etcdEndpoint, settings);
        _processes.Add(process);
        return (process, client);
    }

    /// <summary>
    /// From an empty schema: an Api process, the sandbox registered as <paramref name="cluster"/>, and its agents
    /// (db1, db2, db3), with a row written and replicated. <paramref name="apiSettings"/> and <paramref name="agentSettings"/>
    /// add to the processes' environments (the agents' by server number, 1-based).
    /// </summary>
    public async Task<(ServiceProcess Api, ClusterClient Client, Guid Cluster, List<AgentHarness> Agents)> StartClusterAsync(string cluster,
        string? etcdEndpoint = null, IReadOnlyDictionary<string, string?>? apiSettings = null, Func<int, IReadOnlyDictionary<string, string?>>? agentSettings = null)
    {
        await ApiProcess.DropSchemaAsync(Schema);
        var (api, client) = await StartApiAsync(etcdEndpoint, apiSettings);
        var id = await client.RegisterSandboxClusterAsync(cluster);
        var agents = await AgentHarness.StartBesideEachServerAsync(Prefix, cluster, agentSettings);
        _processes.AddRange(agents);
        await SandboxReplication.WriteAndReplicateAsync();
        return (api, client, id, agents);
    }

    /// <summary>Keeps <paramref name="process"/> (an agent restarted by the test, say) to be stopped with the rig.</summary>
    public T Own<T>(T process) where T : IDisposable
    {
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        SandboxReplication.RestartStoppedServers();
        SandboxReplication.Reset();
    }
}
