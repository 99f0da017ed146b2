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

    public async Task<(ServiceProcess Process, ClusterClient Client)> StartApiAsync(string? etcdEndpoint = null)
    {
        var (process, client) = await ApiProcess.StartAsync(Prefix, Schema, etcdEndpoint);
        _processes.Add(process);
        return (process, client);
    }

    /// <summary>
    /// From an empty schema: an Api process, the sandbox registered as <paramref name="cluster"/>, and its agents
    /// (db1, db2, db3), with a row written and replicated.
    /// </summary>
    public async Task<(ServiceProcess Api, ClusterClient Client, Guid Cluster, List<AgentHarness> Agents)> StartClusterAsync(string cluster,
        string? etcdEndpoint = null)
    {
        await ApiProcess.DropSchemaAsync(Schema);
        var (api, client) = await StartApiAsync(etcdEndpoint);
        var id = await client.RegisterSandboxClusterAsync(cluster);
        var agents = await AgentHarness.StartBesideEachServerAsync(Prefix, cluster);
        _processes.AddRange(agents);
        await SandboxReplication.WriteAndReplicateAsync();
        return (api, client, id, agents);
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        SandboxReplication.RestartStoppedServers();
        SandboxReplication.Reset();
    }
}
