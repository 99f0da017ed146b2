using System.Net;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Proxy.Configuration;

/// <summary>
/// One cluster the proxy serves: where clients connect for writes and for reads. With
/// <paramref name="ReadOnlyFallsBackToMaster"/>, readers go to the master when no replica is fit to serve. Its topology
/// comes from etcd, or with <paramref name="ApiClusterId"/> from the Api's Server-Sent Events stream of that cluster.
/// </summary>
public sealed record ProxiedCluster(string Name, IPEndPoint ReadWrite, IPEndPoint? ReadOnly, bool ReadOnlyFallsBackToMaster,
    Guid? ApiClusterId = null);

/// <summary>
/// The proxy's settings, from its configuration file (--config, or proxy.json beside it) and the environment
/// (MYSQLHA_PROXY_ prefix). Clusters:N:Name, Clusters:N:ReadWrite ("127.0.0.1:6033"), Clusters:N:ReadOnly,
/// Clusters:N:ReadOnlyFallsBackToMaster (default false), Clusters:N:Topology ("etcd", the default, or "api": follow
/// the Api's stream at ApiUrl for Clusters:N:ApiClusterId instead, signed in with the viewer key in ApiKeyFile).
/// DataPath: how bytes cross. Sockmap (the default on Linux: the kernel redirects each socket's bytes to its peer, an
/// eBPF sockmap; needs Linux 5.13 and root, else Splice is used), Splice (Linux splice(2) through a pipe, kernel to
/// kernel) or Managed (socket reads and writes through pooled buffers; elsewhere, and wherever a pipe cannot be made).
/// HoldTimeout (default 10 s) and MaxHeldConnections (default 1000) bound how long and how many new read-write
/// connections wait while a cluster is switching.
/// </summary>
public sealed record ProxySettings(EtcdOptions Etcd, IReadOnlyList<ProxiedCluster> Clusters, TimeSpan ConnectTimeout,
    TimeSpan HoldTimeout, int MaxHeldConnections, DataPath DataPath, Uri? ApiUrl, string ApiKeyFile)
{
    public static ProxySettings From(IConfiguration configuration)
    {
        var problems = new List<string>();
        var etcd = new EtcdOptions();
        configuration.GetSection("Etcd").Bind(etcd);
        if (etcd.Problem() is { } etcdProblem) problems.Add($"Etcd: {etcdProblem}");

        var clusters = new List<ProxiedCluster>();
        foreach (var section in configuration.GetSection("Clusters").GetChildren())
        {
            var name = section["Name"];
            if (string.IsNullOrWhiteSpace(name) || name.Contains('/')) problems.Add($"Clusters:{section.Key}:Name is required and cannot contain '/'");
            var readWrite = Listen(section, "ReadWrite", required: true, problems);
            var readOnly = Listen(section, "ReadOnly", required: false, problems);
            var fallback = section.GetValue("ReadOnlyFallsBackToMaster", false);
            var apiClusterId = TopologyFromApi(section, problems);
            if (name is not null && readWrite is not null) clusters.Add(new ProxiedCluster(name, readWrite, readOnly, fallback, apiClusterId));
        }
        if (clusters.Count == 0 && problems.Count == 0) problems.Add("Clusters: at least one cluster is required");
        var listeners = clusters.SelectMany(c => new[] { c.ReadWrite, c.ReadOnly }).OfType<IPEndPoint>().ToList();
        foreach (var repeated in listeners.GroupBy(l => l.ToString()).Where(g => g.Count() > 1))
            problems.Add($"{repeated.Key} is used by more than one listener");

        Uri? apiUrl = null;
        var followsApi = configuration.GetSection("Clusters").GetChildren().Any(c => string.Equals(c["Topology"], "api", StringComparison.OrdinalIgnoreCase));
        if (followsApi && (!Uri.TryCreate(configuration["ApiUrl"], UriKind.Absolute, out apiUrl) || apiUrl.Scheme is not ("http" or "https")))
            problems.Add($"ApiUrl '{configuration["ApiUrl"]}' is not an http(s) URL, and a cluster follows the Api");
        var apiKeyFile = configuration["ApiKeyFile"] ?? "";
        if (followsApi && !File.Exists(apiKeyFile))
            problems.Add($"ApiKeyFile '{apiKeyFile}' does not exist, and a cluster follows the Api (which needs a key with the viewer role)");

        var connectTimeout = configuration.GetValue("ConnectTimeout", TimeSpan.FromSeconds(2));
        if (connectTimeout <= TimeSpan.Zero) problems.Add("ConnectTimeout must be positive");

        var holdTimeout = configuration.GetValue("HoldTimeout", TimeSpan.FromSeconds(10));
        if (holdTimeout < TimeSpan.Zero) problems.Add("HoldTimeout cannot be negative");
        var maxHeld = configuration.GetValue("MaxHeldConnections", 1000);
        if (maxHeld < 0) problems.Add("MaxHeldConnections cannot be negative");

        var dataPath = OperatingSystem.IsLinux() ? DataPath.Sockmap : DataPath.Managed;
        if (configuration["DataPath"] is { } chosen && (!Enum.TryParse(chosen, ignoreCase: true, out dataPath) || !Enum.IsDefined(dataPath)))
            problems.Add($"DataPath '{chosen}' is none of Sockmap, Splice and Managed");
        if (dataPath != DataPath.Managed && !OperatingSystem.IsLinux()) problems.Add($"DataPath {dataPath} needs Linux");

        if (problems.Count > 0)
            throw new InvalidOperationException("The proxy's configuration is not usable:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));
        return new ProxySettings(etcd, clusters, connectTimeout, holdTimeout, maxHeld, dataPath, apiUrl, apiKeyFile);
    }

    /// <summary>The Api's id of the cluster when its topology comes from the Api; null when it comes from etcd.</summary>
    private static Guid? TopologyFromApi(IConfigurationSection section, List<string> problems)
    {
        switch (section["Topology"]?.ToLowerInvariant())
        {
            case null or "etcd":
                return null;
            case "api" when Guid.TryParse(section["ApiClusterId"], out var id):
                return id;
            case "api":
                problems.Add($"Clusters:{section.Key}:ApiClusterId '{section["ApiClusterId"]}' is not the Api's id of a cluster (a GUID)");
                return null;
            default:
                problems.Add($"Clusters:{section.Key}:Topology '{section["Topology"]}' is neither etcd nor api");
                return null;
        }
    }

    private static IPEndPoint? Listen(IConfigurationSection section, string key, bool required, List<string> problems)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) problems.Add($"Clusters:{section.Key}:{key} is required");
            return null;
        }
        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0) return endpoint;
        problems.Add($"Clusters:{section.Key}:{key} '{text}' is not an address:port");
        return null;
    }
}

public enum DataPath
{
    Managed,
    Splice,
    Sockmap,
}
