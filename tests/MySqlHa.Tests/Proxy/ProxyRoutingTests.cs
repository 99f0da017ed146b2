using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Etcdserverpb;
using Google.Protobuf;
using MySqlConnector;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Topology;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>
/// Every scenario on the default data path: on Linux run as root, the kernel's socket redirect (sockmap). The
/// subclasses run them again on the splice path the proxy falls back to and on the managed path.
/// </summary>
[Collection(SandboxCollection.Name)]
public class ProxyRoutingTests : IClassFixture<CanonicalSandbox>, IDisposable
{
    private const string Cluster = "proxied";
    private readonly string _prefix = $"/mysqlha-test-proxy-{Guid.NewGuid():N}";
    private readonly EtcdConnection _etcd;
    private readonly int _readWritePort = ServiceProcess.FreePort();
    private readonly int _readOnlyPort = ServiceProcess.FreePort();
    private readonly ServiceProcess _proxy;
    private readonly string _expectedDataPath;

    public ProxyRoutingTests() : this(dataPath: null, expectedDataPath: "Sockmap")
    {
    }

    /// <param name="dataPath">the proxy's DataPath setting; null leaves its default</param>
    /// <param name="expectedDataPath">the data path the proxy should say it uses</param>
    /// <param name="launcher">a command that runs the proxy (see <see cref="ServiceProcess.Start"/>)</param>
    protected ProxyRoutingTests(string? dataPath, string expectedDataPath, IReadOnlyList<string>? launcher = null)
    {
        _expectedDataPath = expectedDataPath;
        _etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _prefix });
        var settings = new Dictionary<string, string>
        {
            ["HoldTimeout"] = "00:00:02",
            ["Clusters__0__ReadOnlyFallsBackToMaster"] = "true",
        };
        if (dataPath is not null) settings["DataPath"] = dataPath;
        _proxy = ProxyProcess.Start(_prefix, Cluster, _readWritePort, _readOnlyPort, settings, launcher);
    }

    [Fact]
    public async Task The_proxy_forwards_on_the_data_path_it_says_it_uses()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);

        Assert.Equal(SandboxReplication.Primary.Port, await PortBehindAsync(_readWritePort));
        Assert.Contains($"Data path: {_expectedDataPath}", _proxy.Output);
    }

    [Fact]
    public async Task Read_write_goes_to_the_published_master_and_follows_a_new_version()
    {
        await PublishAsync(1, SandboxReplication.Primary, SandboxReplication.Replicas);
        Assert.Equal(SandboxReplication.Primary.Port, await PortBehindAsync(_readWritePort));

        await PublishAsync(2, SandboxReplication.Replicas[0], [SandboxReplication.Primary, SandboxReplication.Replicas[1]]);

        Assert.Equal(SandboxReplication.Replicas[0].Port, await PortBehindAsync(_readWritePort, expected: SandboxReplication.Replicas[0].Port));
    }

    [Fact]
    public async Task Read_only_connections_take_the_replicas_in_turn()
    {
        await PublishAsync(1, SandboxReplication.Primary, SandboxReplication.Replicas);
        await PortBehindAsync(_readWritePort);

        var ports = new List<int>();
        for (var i = 0; i < 4; i++) ports.Add(await PortBehindAsync(_readOnlyPort));

        Assert.Equal(SandboxReplication.Replicas.Select(r => r.Port).Order(), ports.Distinct().Order());
    }

    [Fact]
    public async Task Readers_go_to_the_master_when_no_replica_is_fit_and_the_fallback_is_configured()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        await PortBehindAsync(_readWritePort);

        Assert.Equal(SandboxReplication.Primary.Port, await PortBehindAsync(_readOnlyPort));
    }

    [Fact]
    public async Task With_etcd_stopped_the_last_known_topology_stays_in_force_and_the_watch_resumes_after()
    {
        await PublishAsync(1, SandboxReplication.Primary, SandboxReplication.Replicas);
        await PortBehindAsync(_readWritePort);

        SandboxReplication.StopEtcd();
        try
        {
            await Task.Delay(1000);
            Assert.Equal(SandboxReplication.Primary.Port, await PortBehindAsync(_readWritePort));
            Assert.Contains(await PortBehindAsync(_readOnlyPort), SandboxReplication.Replicas.Select(r => r.Port));
        }
        finally
        {
            SandboxReplication.RunEnvScript("up");
        }

        await PublishAsync(2, SandboxReplication.Replicas[1], []);
        Assert.Equal(SandboxReplication.Replicas[1].Port, await PortBehindAsync(_readWritePort, expected: SandboxReplication.Replicas[1].Port));
    }

    [Fact]
    public async Task An_older_version_published_late_does_not_move_the_route_back()
    {
        await PublishAsync(5, SandboxReplication.Replicas[1], []);
        Assert.Equal(SandboxReplication.Replicas[1].Port, await PortBehindAsync(_readWritePort));

        await PublishAsync(4, SandboxReplication.Primary, []);
        await Task.Delay(500);

        Assert.Equal(SandboxReplication.Replicas[1].Port, await PortBehindAsync(_readWritePort));
    }

    [Fact]
    public async Task A_cluster_registered_again_under_the_same_name_is_followed_although_its_versions_start_afresh()
    {
        await PublishAsync(7, SandboxReplication.Primary, [], epoch: 1_000);
        Assert.Equal(SandboxReplication.Primary.Port, await PortBehindAsync(_readWritePort));

        await PublishAsync(1, SandboxReplication.Replicas[0], [], epoch: 2_000);

        Assert.Equal(SandboxReplication.Replicas[0].Port, await PortBehindAsync(_readWritePort, expected: SandboxReplication.Replicas[0].Port));
    }

    [Fact]
    public async Task New_read_write_connections_are_held_while_switching_and_released_to_the_new_master()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        Assert.Equal(SandboxReplication.Primary.Port, await PortBehindAsync(_readWritePort));
        await PublishAsync(2, SandboxReplication.Primary, [], state: TopologyState.Switching);
        // Held from the moment the proxy has the switching version (a fixed wait once fell short on a loaded machine).
        await ProxyEndpoints.WaitForHealthAsync(_proxy, clusters => (string?)clusters[0]!["state"] == "Switching");

        var held = OneConnectionPortAsync(_readWritePort);
        await Task.Delay(700);
        Assert.False(held.IsCompleted, "the connection was not held while the cluster was switching");
        await PublishAsync(3, SandboxReplication.Replicas[0], []);

        Assert.Equal(SandboxReplication.Replicas[0].Port, await held.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_connection_held_past_the_hold_timeout_is_refused()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        await PortBehindAsync(_readWritePort);
        await PublishAsync(2, SandboxReplication.Primary, [], state: TopologyState.Switching);
        // Held from the moment the proxy has the switching version (a fixed wait once fell short on a loaded machine).
        await ProxyEndpoints.WaitForHealthAsync(_proxy, clusters => (string?)clusters[0]!["state"] == "Switching");

        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<Exception>(() => OneConnectionPortAsync(_readWritePort));

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Established_connections_to_a_demoted_master_are_closed()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        await PortBehindAsync(_readWritePort);
        var credentials = SandboxSettings.Current.Admin;
        await using var established = new MySqlConnection(
            SandboxConnections.ConnectionString(new ServerEndpoint("127.0.0.1", _readWritePort), credentials, TimeSpan.FromSeconds(2)) + ";Pooling=false");
        await established.OpenAsync();
        Assert.Equal(SandboxReplication.Primary.Port, Convert.ToInt32(await new MySqlCommand("SELECT @@port", established).ExecuteScalarAsync()));

        await PublishAsync(2, SandboxReplication.Replicas[0], []);
        await PortBehindAsync(_readWritePort, expected: SandboxReplication.Replicas[0].Port);
        // New sessions may reach the new master a moment before the sweep of the old one's sessions has run.
        await ProxyEndpoints.WaitForMetricsAsync(_proxy, metrics => ProxyEndpoints.Sum(metrics, "mysqlha_proxy_connections_closed_on_demotion_total", Cluster) >= 1);

        await Assert.ThrowsAnyAsync<Exception>(() => new MySqlCommand("SELECT @@port", established).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Established_read_write_connections_are_closed_as_soon_as_the_cluster_turns_switching()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        await PortBehindAsync(_readWritePort);
        await using var established = new MySqlConnection(SandboxConnections.ConnectionString(
            new ServerEndpoint("127.0.0.1", _readWritePort), SandboxSettings.Current.Admin, TimeSpan.FromSeconds(2)) + ";Pooling=false");
        await established.OpenAsync();
        Assert.Equal(SandboxReplication.Primary.Port, Convert.ToInt32(await new MySqlCommand("SELECT @@port", established).ExecuteScalarAsync()));

        // The same master, now switching: no session opened before may carry another write to it.
        await PublishAsync(2, SandboxReplication.Primary, [], state: TopologyState.Switching);
        await ProxyEndpoints.WaitForMetricsAsync(_proxy, metrics => ProxyEndpoints.Sum(metrics, "mysqlha_proxy_connections_closed_on_demotion_total", Cluster) >= 1);

        await Assert.ThrowsAnyAsync<Exception>(() => new MySqlCommand("SELECT @@port", established).ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_mariadb_command_line_client_reaches_the_master_and_the_replicas_and_follows_a_new_version()
    {
        await PublishAsync(1, SandboxReplication.Primary, SandboxReplication.Replicas);
        await PortBehindAsync(_readWritePort);

        Assert.Equal(SandboxReplication.Primary.Port, await MariaDbCommandLine.PortBehindAsync(_readWritePort));
        var readers = new List<int>();
        for (var i = 0; i < 4; i++) readers.Add(await MariaDbCommandLine.PortBehindAsync(_readOnlyPort));
        Assert.Equal(SandboxReplication.Replicas.Select(r => r.Port).Order(), readers.Distinct().Order());

        await PublishAsync(2, SandboxReplication.Replicas[0], [SandboxReplication.Primary, SandboxReplication.Replicas[1]]);
        await PortBehindAsync(_readWritePort, expected: SandboxReplication.Replicas[0].Port);

        Assert.Equal(SandboxReplication.Replicas[0].Port, await MariaDbCommandLine.PortBehindAsync(_readWritePort));
    }

    [Fact]
    public async Task A_mariadb_client_held_while_switching_is_released_to_the_new_master()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        await PortBehindAsync(_readWritePort);
        await PublishAsync(2, SandboxReplication.Primary, [], state: TopologyState.Switching);
        await ProxyEndpoints.WaitForHealthAsync(_proxy, clusters => (string?)clusters[0]!["state"] == "Switching");

        var held = MariaDbCommandLine.PortBehindAsync(_readWritePort);
        await ProxyEndpoints.WaitForHealthAsync(_proxy, clusters => (int?)clusters[0]!["held"] == 1);
        await PublishAsync(3, SandboxReplication.Replicas[0], []);

        Assert.Equal(SandboxReplication.Replicas[0].Port, await held);
    }

    [Fact]
    public async Task Packets_of_several_megabytes_cross_intact_both_ways_and_are_counted()
    {
        await PublishAsync(1, SandboxReplication.Primary, []);
        await PortBehindAsync(_readWritePort);
        const int size = 4_000_000;
        var sent = string.Create(size, 0, (chars, _) => { for (var i = 0; i < chars.Length; i++) chars[i] = (char)('a' + i % 26); });

        await using (var connection = new MySqlConnection(SandboxConnections.ConnectionString(
            new ServerEndpoint("127.0.0.1", _readWritePort), SandboxSettings.Current.Admin, TimeSpan.FromSeconds(30)) + ";Pooling=false"))
        {
            await connection.OpenAsync();
            var echoed = (string?)await new MySqlCommand("SELECT CAST(@sent AS CHAR)", connection) { Parameters = { new("@sent", sent) } }.ExecuteScalarAsync();
            Assert.Equal(sent, echoed);

            // While the session stays open, each direction's bytes reach the counter but for one batch (256 KiB).
            const int batch = 256 * 1024;
            var whileOpen = await ProxyEndpoints.WaitForMetricsAsync(_proxy,
                text => Counted(text, "to_server") > size - batch && Counted(text, "to_client") > size - batch);
            Assert.True(Counted(whileOpen, "to_server") > size - batch && Counted(whileOpen, "to_client") > size - batch, whileOpen);
        }

        // The rest is added at the end of the connection.
        var metrics = await ProxyEndpoints.WaitForMetricsAsync(_proxy, text => Counted(text, "to_server") > size && Counted(text, "to_client") > size);
        Assert.True(Counted(metrics, "to_server") > size && Counted(metrics, "to_client") > size, metrics);
    }

    [Fact]
    public async Task A_slow_reader_gets_every_byte_and_a_half_close_passes_through_while_the_other_way_stays_open()
    {
        // A plain TCP server as the master: the data path copies bytes and does not care what they say.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serverPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        await PublishAsync(1, new ServerEndpoint("127.0.0.1", serverPort), []);
        await ProxyEndpoints.WaitForHealthAsync(_proxy, clusters => ((string?)clusters[0]!["master"])?.EndsWith($":{serverPort}") == true);

        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, _readWritePort);
        using var server = await listener.AcceptSocketAsync();
        var payload = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        var sending = Task.Run(async () =>
        {
            for (var sent = 0; sent < payload.Length;) sent += await server.SendAsync(payload.AsMemory(sent));
            server.Shutdown(SocketShutdown.Send);
        });

        // Small reads with a pause now and then: the proxy meets a full client again and again and must wait, not drop or hoard.
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer)) > 0)
        {
            received.Write(buffer, 0, read);
            if (received.Length / (256 * 1024) != (received.Length - read) / (256 * 1024)) await Task.Delay(20);
        }
        await sending;
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));

        // The server's end reached the client as an end (a half-close); the client's direction still works.
        await client.SendAsync("still here"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        using var answer = new MemoryStream();
        while ((read = await server.ReceiveAsync(buffer)) > 0) answer.Write(buffer, 0, read);
        Assert.Equal("still here", Encoding.UTF8.GetString(answer.ToArray()));
    }

    private static double Counted(string metrics, string direction) =>
        ProxyEndpoints.Sum(metrics, "mysqlha_proxy_bytes_total", Cluster, "listener=\"read-write\"", $"direction=\"{direction}\"");

    private static async Task<int> OneConnectionPortAsync(int proxyPort)
    {
        var connectionString = SandboxConnections.ConnectionString(new ServerEndpoint("127.0.0.1", proxyPort), SandboxSettings.Current.Admin,
            TimeSpan.FromSeconds(10)) + ";Pooling=false";
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        return Convert.ToInt32(await new MySqlCommand("SELECT @@port", connection).ExecuteScalarAsync());
    }

    private async Task PublishAsync(long version, ServerEndpoint master, IEnumerable<ServerEndpoint> replicas, long epoch = 0,
        TopologyState state = TopologyState.Serving)
    {
        static ContainerAddress Address(ServerEndpoint e) => new(e.Host, e.Port, e.ToString());
        var topology = new PublishedTopology(Cluster, version, state,
            new ContainerGroup([Address(master)]), new ContainerGroup(replicas.Select(Address).ToList())) { Epoch = epoch };
        await _etcd.Client.PutAsync(new PutRequest
        {
            Key = ByteString.CopyFromUtf8(_etcd.Keys.Topology(Cluster)),
            Value = ByteString.CopyFromUtf8(JsonSerializer.Serialize(topology)),
        });
    }

    /// <summary>
    /// Connects through the proxy with a real client and asks the server which port it listens on; with
    /// <paramref name="expected"/>, keeps asking for a while until that port answers (the watch is asynchronous).
    /// </summary>
    private async Task<int> PortBehindAsync(int proxyPort, int? expected = null)
    {
        var credentials = SandboxSettings.Current.Admin;
        var connectionString = SandboxConnections.ConnectionString(new ServerEndpoint("127.0.0.1", proxyPort), credentials, TimeSpan.FromSeconds(2))
            + ";Pooling=false";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await using var connection = new MySqlConnection(connectionString);
                await connection.OpenAsync();
                var port = Convert.ToInt32(await new MySqlCommand("SELECT @@port", connection).ExecuteScalarAsync());
                if (expected is null || port == expected || DateTime.UtcNow > deadline) return port;
                await Task.Delay(100);
            }
            // A session opened just before the new version arrived is closed on demotion, as it should be: ask again.
            catch (Exception e) when (e is MySqlException or SocketException or IOException)
            {
                if (DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"no session through port {proxyPort} for 15 s; the proxy said:\n{_proxy.Output}", e);
                await Task.Delay(200);
            }
        }
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _etcd.Client.DeleteRange(_prefix);
        _etcd.Dispose();
    }
}
