using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// An Api process and an agent beside each sandbox server (each able to restore into its server), sharing a backup
/// repository in a folder of the test's own, with the sandbox registered as db1 master and replicas. Disposing it stops them, removes the repository
/// and puts the sandbox back.
/// </summary>
public sealed class BackupRig : IDisposable
{
    private readonly ProcessRig _processes;

    private readonly string _folder;
    private readonly bool _archive;

    private BackupRig(ProcessRig processes, string folder, bool archive, string repository, ServiceProcess api, ClusterClient client, Guid cluster,
        List<AgentHarness> agents)
    {
        _processes = processes;
        _folder = folder;
        _archive = archive;
        Repository = repository;
        Api = api;
        Client = client;
        Cluster = cluster;
        Agents = agents;
    }

    public string Repository { get; }

    public ServiceProcess Api { get; private set; }

    public ClusterClient Client { get; private set; }

    public Guid Cluster { get; }

    public List<AgentHarness> Agents { get; }

    public string ClusterName => "backups";

    public ProcessRig Processes => _processes;

    /// <summary>The rig with db1 master and <paramref name="replicas"/> (default db2 and db3) registered and OK; the others stay unregistered.</summary>
    public static Task<BackupRig> StartAsync(string name, params string[] replicas) => StartAsync(name, archive: false, replicas);

    /// <summary>With <paramref name="archive"/>, the agents also keep the binlog archive (one of them streams the master's binlogs).</summary>
    public static async Task<BackupRig> StartAsync(string name, bool archive, params string[] replicas)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mysqlha-backups-{Guid.NewGuid():N}");
        var repository = Path.Combine(folder, "repository");
        Directory.CreateDirectory(repository);
        var processes = new ProcessRig(name);
        var (api, client, cluster, agents) = await processes.StartClusterAsync("backups",
            apiSettings: ApiSettings(repository), agentSettings: number => AgentSettings(repository, number, folder, archive));
        await client.ArrangeMasterAndReplicasAsync(cluster, replicas.Length > 0 ? replicas : ["db2", "db3"]);
        return new BackupRig(processes, folder, archive, repository, api, client, cluster, agents);
    }

    private static Dictionary<string, string?> AgentSettings(string repository, int number, string folder, bool archive)
    {
        var settings = RestorableServers.AgentSettings(repository, number, folder);
        if (archive)
        {
            settings["MYSQLHA_AGENT_BinlogArchive__Enabled"] = "true";
            settings["MYSQLHA_AGENT_BinlogArchive__UploadInterval"] = "00:00:00.500";
        }
        return settings;
    }

    public static IReadOnlyDictionary<string, string?> ApiSettings(string repository) =>
        new Dictionary<string, string?> { ["MySqlHa__Backups__Repository"] = repository };

    /// <summary>Kills server <paramref name="number"/>'s agent hard and starts another on the same state folder, as a host's agent restarts.</summary>
    public async Task<AgentHarness> RestartAgentAsync(int number)
    {
        var old = Agents[number - 1];
        old.Dispose();
        var restarted = _processes.Own(await AgentHarness.StartAsync(SandboxSettings.Current.MariaDb[number - 1], _processes.Prefix, old.StateDirectory,
            cluster: ClusterName, instance: $"db{number}", settings: AgentSettings(Repository, number, _folder, _archive)));
        Agents[number - 1] = restarted;
        return restarted;
    }

    /// <summary>The restore's record once it is no longer running.</summary>
    public async Task<JsonNode> WaitForRestoreEndAsync(Guid restore, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var record = JsonNode.Parse(await Client.Http.GetStringAsync($"/api/clusters/{Cluster}/restores/{restore}"))!;
            if ((string?)record["state"] != "running") return record;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"restore {restore} still runs: {record}");
            await Task.Delay(250);
        }
    }

    /// <summary>The types of the events of an operation (a backup, a restore), in order, as the audit query answers them.</summary>
    public async Task<List<string>> EventsOfAsync(Guid operation)
    {
        var page = JsonNode.Parse(await Client.Http.GetStringAsync($"/api/events?operation={operation}&order=asc&limit=500"))!;
        return page["events"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
    }

    /// <summary>Kills the Api process hard and starts another on the same schema: what Marten holds is all it has.</summary>
    public async Task RestartApiAsync()
    {
        Api.KillHard();
        (Api, Client) = await _processes.StartApiAsync(settings: ApiSettings(Repository));
    }

    public async Task<(int Status, JsonNode? Body)> StartBackupAsync(object body)
    {
        var response = await Client.Http.PostAsJsonAsync($"/api/clusters/{Cluster}/backups", body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task<Guid> StartedBackupAsync(object body)
    {
        var (status, answer) = await StartBackupAsync(body);
        Assert.True(status == 202, $"{status}: {answer}");
        return Guid.Parse((string)answer!["backupId"]!);
    }

    public async Task<JsonNode> BackupAsync(Guid backup) =>
        JsonNode.Parse(await Client.Http.GetStringAsync($"/api/clusters/{Cluster}/backups/{backup}"))!;

    /// <summary>Waits until the backup is no longer running; answers its record.</summary>
    public async Task<JsonNode> WaitForBackupEndAsync(Guid backup, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            var record = await BackupAsync(backup);
            if ((string?)record["state"] != "running") return record;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"backup {backup} still runs: {record}");
            await Task.Delay(250);
        }
    }

    /// <summary>The files under the repository (relative paths), partial uploads included.</summary>
    public IReadOnlyList<string> RepositoryFiles() =>
        Directory.EnumerateFiles(Repository, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Repository, f)).Order().ToList();

    public void Dispose()
    {
        _processes.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
