using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>src/Proxy as its own process, serving one cluster on two listeners and following the sandbox etcd under a prefix.</summary>
internal static class ProxyProcess
{
    /// <param name="settings">further settings, by their names after MYSQLHA_PROXY_ (e.g. HoldTimeout)</param>
    /// <param name="launcher">a command that runs the proxy (see <see cref="ServiceProcess.Start"/>)</param>
    public static ServiceProcess Start(string etcdPrefix, string cluster, int readWritePort, int readOnlyPort,
        IReadOnlyDictionary<string, string>? settings = null, IReadOnlyList<string>? launcher = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["MYSQLHA_PROXY_Etcd__Endpoint"] = SandboxSettings.Current.Etcd,
            ["MYSQLHA_PROXY_Etcd__Prefix"] = etcdPrefix,
            ["MYSQLHA_PROXY_Clusters__0__Name"] = cluster,
            ["MYSQLHA_PROXY_Clusters__0__ReadWrite"] = $"127.0.0.1:{readWritePort}",
            ["MYSQLHA_PROXY_Clusters__0__ReadOnly"] = $"127.0.0.1:{readOnlyPort}",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>()) environment[$"MYSQLHA_PROXY_{name}"] = value;
        return ServiceProcess.Start("Proxy", environment, launcher);
    }
}
