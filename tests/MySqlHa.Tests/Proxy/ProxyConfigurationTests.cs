using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>A proxy whose configuration cannot work stops at start with exit code 2 and every problem named.</summary>
public sealed class ProxyConfigurationTests
{
    [Fact]
    public async Task A_cluster_to_follow_through_the_api_needs_its_id_the_apis_url_and_a_key_and_a_data_path_must_be_known()
    {
        using var proxy = ServiceProcess.Start("Proxy", new Dictionary<string, string?>
        {
            ["MYSQLHA_PROXY_Clusters__0__Name"] = "followed",
            ["MYSQLHA_PROXY_Clusters__0__ReadWrite"] = $"127.0.0.1:{ServiceProcess.FreePort()}",
            ["MYSQLHA_PROXY_Clusters__0__Topology"] = "api",
            ["MYSQLHA_PROXY_Clusters__0__ApiClusterId"] = "not-a-guid",
            ["MYSQLHA_PROXY_DataPath"] = "teleport",
        });

        Assert.Equal(2, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Clusters:0:ApiClusterId 'not-a-guid' is not the Api's id of a cluster", proxy.Output);
        Assert.Contains("ApiUrl '' is not an http(s) URL", proxy.Output);
        Assert.Contains("ApiKeyFile '' does not exist, and a cluster follows the Api", proxy.Output);
        Assert.Contains("DataPath 'teleport' is none of Sockmap, Splice and Managed", proxy.Output);
    }
}
