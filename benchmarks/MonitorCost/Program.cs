using System.Diagnostics;
using JasperFx.CodeGeneration;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Replication.Topology;
using MySqlHa.Workflows;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.Persistence;
using Wolverine;

// Runs the real monitor (probes, verdicts, status events, topology publication, as the leader) against one cluster
// of N endpoints spread over the sandbox's MariaDB servers, and reports the process's CPU time per instance per
// poll. Arguments: sizes (default 3 0 3 30 300: the first run warms the JIT and the pools; 0 measures the host with nothing to monitor, the fixed cost that the
// marginal column subtracts), seconds measured per size (default 20).
// Environment: MYSQLHA_POSTGRES, MYSQLHA_ETCD, MYSQLHA_MARIADB_PORTS, MYSQLHA_MARIADB_ADMIN_USER,
// MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE (scripts/bench-monitor.sh sets them from the sandbox).
var sizes = args.Length > 0 ? args[..^1].Select(int.Parse).ToArray() : [3, 0, 3, 30, 300];
var seconds = args.Length > 0 ? int.Parse(args[^1]) : 20;
string Env(string key) => Environment.GetEnvironmentVariable(key) ?? throw new InvalidOperationException($"{key} is not set");
var ports = Env("MYSQLHA_MARIADB_PORTS").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
var admin = new ServerCredentials(Env("MYSQLHA_MARIADB_ADMIN_USER"), Env("MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE"));

Console.WriteLine($"{"endpoints",10} {"polls",8} {"cpu s",8} {"cpu ms/poll",12} {"marginal ms/poll",17} {"cpu % of a core",16} {"p95 probe ms",13}");
double? fixedCpuPerSecond = null;
foreach (var size in sizes)
{
    var counting = new CountingProbe();
    using var host = Host.CreateDefaultBuilder()
        .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
        .ConfigureServices(services =>
        {
            services.AddSingleton(TimeProvider.System);
            services.AddMySqlHaPersistence(Env("MYSQLHA_POSTGRES"), "bench_monitor");
            services.AddMySqlHaWorkflows();
            // The benchmark names the sandbox's password file itself, as an agent does.
            var secrets = new SecretFiles();
            services.AddServerProbe(secrets);
            services.AddSingleton(counting.Wrap(new ServerProbe(new ServerProbeOptions(), new ServerConnections(new ServerProbeOptions(), secrets), TimeProvider.System)));
            services.AddEtcd(new EtcdOptions { Endpoint = Env("MYSQLHA_ETCD"), Prefix = "/mysqlha-bench-monitor" });
            services.AddLeaderElection(new LeaderElectionOptions());
            services.AddMySqlHaMonitor(new MonitorOptions());
        })
        .UseWolverine(options =>
        {
            options.UseMySqlHaDefaults();
            options.Durability.Mode = DurabilityMode.Solo;
            options.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
        })
        .Build();
    var store = host.Services.GetRequiredService<IDocumentStore>();
    await store.Advanced.ResetAllData();
    if (size > 0) await RegisterClusterAsync(store, size);
    await host.StartAsync();

    await Task.Delay(TimeSpan.FromSeconds(5)); // warm-up: connection pools, JIT, first status events
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    counting.Reset();
    var clock = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    var (polls, p95) = counting.Read();
    var elapsed = clock.Elapsed.TotalSeconds;
    if (size == 0) fixedCpuPerSecond = cpu / elapsed;
    var marginal = fixedCpuPerSecond is { } baseline && polls > 0 ? $"{(cpu - baseline * elapsed) * 1000 / polls,17:0.000}" : $"{"-",17}";
    Console.WriteLine($"{size,10} {polls,8} {cpu,8:0.00} {cpu * 1000 / Math.Max(1, polls),12:0.000} {marginal} {cpu / elapsed * 100,16:0.0} {p95,13:0.0}");
    await host.StopAsync();
}

async Task RegisterClusterAsync(IDocumentStore store, int size)
{
    // Written as events directly: registration through the Api refuses two instances with one address, and the
    // benchmark's point is many endpoints, not many servers.
    var id = Guid.NewGuid();
    var instances = Enumerable.Range(0, size)
        .Select(i => new NamedEndpoint($"db{i}", new ServerEndpoint("127.0.0.1", ports[i % ports.Length]))).ToList();
    await using var session = store.LightweightSession();
    var events = new List<object> { new ClusterRegistered(id, $"bench-{size}", DatabaseFlavor.MariaDb, instances, admin, null,
        new Dictionary<string, string>(), DateTimeOffset.UtcNow) };
    events.AddRange(instances.Select((instance, i) =>
        new InstanceRegistered(id, instance.Name, i % ports.Length == 0 ? InstanceRole.Master : InstanceRole.Replica, DateTimeOffset.UtcNow)));
    session.Events.StartStream<Cluster>(id, events.ToArray());
    await session.SaveChangesAsync();
}

/// <summary>Counts completed probes and keeps their durations, around the real probe.</summary>
internal sealed class CountingProbe
{
    private readonly List<double> _durations = [];

    public IServerProbe Wrap(IServerProbe inner) => new Counted(inner, this);

    public void Reset()
    {
        lock (_durations) _durations.Clear();
    }

    public (int Polls, double P95Milliseconds) Read()
    {
        lock (_durations)
        {
            var sorted = _durations.Order().ToList();
            return (sorted.Count, sorted.Count == 0 ? 0 : sorted[(int)(sorted.Count * 0.95)]);
        }
    }

    private sealed class Counted(IServerProbe inner, CountingProbe counter) : IServerProbe
    {
        public async Task<ProbeResult> ReadAsync(ServerEndpoint endpoint, ServerCredentials credentials, CancellationToken cancellation)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await inner.ReadAsync(endpoint, credentials, cancellation);
            lock (counter._durations) counter._durations.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
    }
}
