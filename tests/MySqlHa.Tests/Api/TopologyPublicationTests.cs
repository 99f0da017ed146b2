using System.Diagnostics;
using System.Text.Json.Nodes;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Api;

/// <summary>Changes reach etcd (for proxies) and the SSE stream (for consoles), and the metrics show live figures.</summary>
[Collection(ApiCollection.Name)]
public sealed class TopologyPublicationTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterClient _client = new(api.CreateClient());
    private readonly EtcdConnection _etcd = new(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = ApiFactory.EtcdPrefix });
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        await _etcd.Client.DeleteRangeAsync(_etcd.Keys.Topology("published"));
        SandboxReplication.Reset();
        _cluster = await _client.RegisterSandboxClusterAsync("published");
        await api.AgentsForAsync("published");
    }

    public Task DisposeAsync()
    {
        _etcd.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Each_change_reaches_the_etcd_key_and_the_sse_stream_in_lains_shape()
    {
        await _client.SucceedAsync(_cluster, "db1", "register", "master");
        await WaitForEtcdAsync(t => t["master"]!["containers"]!.AsArray().Count == 1);

        using var stream = await _client.Http.GetStreamAsync($"/api/clusters/{_cluster}/topology/stream");
        using var reader = new StreamReader(stream);
        var (initName, init) = await ReadEventAsync(reader);
        Assert.Equal("init", initName);
        Assert.Equal(SandboxReplication.Primary.Port, (int?)init!["master"]!["containers"]![0]!["container_port"]);

        var measured = new List<(string Change, double EtcdMs, double SseMs)>();
        foreach (var (instance, operation, role) in new[] { ("db2", "register", "replica"), ("db2", "activate", null), ("db2", "pause", null), ("db2", "resume", null) })
        {
            var started = Stopwatch.StartNew();
            var body = await _client.SucceedAsync(_cluster, instance, operation, role);
            var version = (long)body["clusterVersion"]!;
            var etcdTask = WaitForEtcdAsync(t => (long)t["version"]! >= version);
            var sse = await ReadUntilVersionAsync(reader, version);
            var sseMs = started.Elapsed.TotalMilliseconds;
            await etcdTask;
            measured.Add(($"{operation} {instance}", started.Elapsed.TotalMilliseconds, sseMs));
            Assert.Equal("update", sse.Name);
        }

        var final = await WaitForEtcdAsync(t => t["slave"]!["containers"]!.AsArray().Any(c => (string?)c!["name"] == "db2"));
        Assert.Equal("serving", (string?)final["state"]);
        Assert.Contains(final["instances"]!.AsArray(), i => (string?)i!["name"] == "db2" && (string?)i["status"] == "OK");
        foreach (var (change, etcdMs, sseMs) in measured)
            output.WriteLine($"{change}: etcd key after {etcdMs:0} ms, SSE update after {sseMs:0} ms");
    }

    [Fact]
    public async Task Metrics_show_live_figures_per_instance()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2");
        await SandboxReplication.WriteAndReplicateAsync();
        var primaryTransactions = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_binlog_pos");
        var replicaCaughtUp = $"mysqlha_gtid_executed_transactions{{cluster=\"published\",instance=\"db2\"}} {primaryTransactions!.Split('-')[2]}";

        // The monitor's next rounds publish the figures; a loaded machine takes longer than an idle one.
        var metrics = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !metrics.Contains(replicaCaughtUp) && DateTime.UtcNow < deadline; await Task.Delay(250))
            metrics = await _client.Http.GetStringAsync("/metrics");

        Assert.Contains("mysqlha_instance_up{cluster=\"published\",instance=\"db1\"} 1", metrics);
        Assert.Contains("mysqlha_instance_read_only{cluster=\"published\",instance=\"db2\"} 1", metrics);
        Assert.Contains("mysqlha_instance_status{cluster=\"published\",instance=\"db2\",status=\"OK\"} 1", metrics);
        Assert.Contains("mysqlha_replication_io_running{cluster=\"published\",instance=\"db2\"} 1", metrics);
        Assert.Contains("mysqlha_replication_lag_seconds{cluster=\"published\",instance=\"db2\"} 0", metrics);
        Assert.Contains(replicaCaughtUp, metrics);
        Assert.Matches("mysqlha_instance_queries_per_second\\{cluster=\"published\",instance=\"db1\"\\} [0-9.]+", metrics);
        Assert.Matches("mysqlha_instance_connections\\{cluster=\"published\",instance=\"db1\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task Stats_show_the_servers_status_variables_and_innodb_status_and_filter_by_search()
    {
        await _client.SucceedAsync(_cluster, "db1", "register", "master");

        var all = JsonNode.Parse(await _client.Http.GetStringAsync($"/api/clusters/{_cluster}/instances/db2/stats"))!;
        var gtid = JsonNode.Parse(await _client.Http.GetStringAsync($"/api/clusters/{_cluster}/instances/db2/stats?search=gtid_strict"))!;

        Assert.Contains("TRANSACTIONS", (string?)all["stats"]!["innoDbStatus"]);
        Assert.True(all["stats"]!["globalStatus"]!.AsObject().Count > 100);
        Assert.Equal("Yes", (string?)all["stats"]!["replicaStatus"]!["Slave_IO_Running"]);
        Assert.Equal(["gtid_strict_mode"], gtid["stats"]!["globalVariables"]!.AsObject().Select(p => p.Key));
        Assert.Equal("ON", (string?)gtid["stats"]!["globalVariables"]!["gtid_strict_mode"]);
    }

    private async Task<JsonNode> WaitForEtcdAsync(Func<JsonNode, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var value = await _etcd.Client.GetValAsync(_etcd.Keys.Topology("published"));
            if (value.Length > 0 && JsonNode.Parse(value) is { } topology && condition(topology)) return topology;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"etcd never showed the change; it holds {value}");
            await Task.Delay(20);
        }
    }

    private static async Task<(string Name, JsonNode? Data)> ReadUntilVersionAsync(StreamReader reader, long version)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var (name, data) = await ReadEventAsync(reader).WaitAsync(timeout.Token);
            if (data is not null && (long)data["version"]! >= version) return (name, data);
        }
    }

    private static async Task<(string Name, JsonNode? Data)> ReadEventAsync(StreamReader reader)
    {
        string? name = null, data = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ")) name = line["event: ".Length..];
            else if (line.StartsWith("data: ")) data = line["data: ".Length..];
            else if (line.Length == 0 && name is not null) return (name, data is null or "null" ? null : JsonNode.Parse(data));
        }
        throw new EndOfStreamException("the stream ended");
    }
}
