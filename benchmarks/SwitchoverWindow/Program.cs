using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;

// Against a running Api, agents and proxy (scripts/bench-switchover.sh starts them): one writer commits a row every
// 5 ms over a fresh connection through the proxy's read-write port while the Api switches the master N times.
// Reports, per switchover, the write-unavailability window (the longest gap between acknowledged writes while it
// ran), the failed writes, and afterwards checks that every acknowledged row is on every node (count and checksum).
// Arguments: api-url cluster-id proxy-port admin-user admin-password-file mariadb-ports(comma) switchovers
var (apiUrl, clusterId, proxyPort, user, passwordFile, ports, switchovers) =
    (args[0], args[1], int.Parse(args[2]), args[3], args[4], args[5].Split(',').Select(int.Parse).ToArray(), int.Parse(args[6]));
var password = File.ReadAllText(passwordFile).Trim();
string Direct(int port) => $"Server=127.0.0.1;Port={port};User ID={user};Password={password};Pooling=false;Connection Timeout=2";
// The writer is an application: a user without SUPER or READ ONLY ADMIN, whom read_only stops (an admin is not stopped).
const string appUser = "mysqlha_bench_app";
var appPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
var throughProxy = $"Server=127.0.0.1;Port={proxyPort};User ID={appUser};Password={appPassword};Pooling=false;Connection Timeout=2;Default Command Timeout=2";
using var http = new HttpClient { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(30) };

await using (var setup = new MySqlConnection(Direct(ports[0])))
{
    await setup.OpenAsync();
    await new MySqlCommand("CREATE DATABASE IF NOT EXISTS mysqlha_bench; DROP TABLE IF EXISTS mysqlha_bench.writes; " +
        "CREATE TABLE mysqlha_bench.writes (id BIGINT PRIMARY KEY, written_at DATETIME(6) NOT NULL); " +
        $"CREATE OR REPLACE USER '{appUser}'@'127.0.0.1' IDENTIFIED BY '{appPassword}'; " +
        $"GRANT SELECT, INSERT ON mysqlha_bench.* TO '{appUser}'@'127.0.0.1'", setup).ExecuteNonQueryAsync();
}
await Task.Delay(1000);

var clock = Stopwatch.StartNew();
var acknowledged = new ConcurrentBag<(long Id, double At)>();
var failed = new ConcurrentBag<(long Id, double At, string Error)>();
using var stop = new CancellationTokenSource();
var writer = Task.Run(async () =>
{
    long next = 0;
    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
    while (!stop.IsCancellationRequested && await timer.WaitForNextTickAsync())
    {
        var id = ++next;
        try
        {
            await using var connection = new MySqlConnection(throughProxy);
            await connection.OpenAsync();
            await new MySqlCommand($"INSERT INTO mysqlha_bench.writes VALUES ({id}, NOW(6))", connection).ExecuteNonQueryAsync();
            acknowledged.Add((id, clock.Elapsed.TotalMilliseconds));
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException or IOException)
        {
            failed.Add((id, clock.Elapsed.TotalMilliseconds, e.Message));
        }
    }
});

await Task.Delay(2000);
var runs = new List<(string Candidate, double Start, double End, string State)>();
for (var i = 0; i < switchovers; i++)
{
    var start = clock.Elapsed.TotalMilliseconds;
    var response = await http.PostAsJsonAsync($"/api/clusters/{clusterId}/switchover", new { });
    var accepted = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"switchover {i + 1} was refused: {accepted.ToJsonString()}");
    var operation = (string)accepted["operationId"]!;
    JsonNode view;
    do
    {
        await Task.Delay(20);
        view = JsonNode.Parse(await http.GetStringAsync($"/api/operations/{operation}"))!;
    }
    while ((string?)view["state"] == "running");
    var candidate = (string?)view["steps"]!.AsArray().FirstOrDefault(s => (string?)s!["event"] == "SwitchoverPreChecked")?["data"]?["candidate"] ?? "?";
    var abortReason = (string?)view["steps"]!.AsArray().FirstOrDefault(s => (string?)s!["event"] == "SwitchoverAborted")?["data"]?["reason"];
    runs.Add((candidate, start, clock.Elapsed.TotalMilliseconds, abortReason is null ? (string)view["state"]! : $"aborted: {abortReason}"));
    // The next switchover picks its candidate among healthy instances: wait until the monitor has seen every one OK.
    for (var wait = 0; wait < 200; wait++)
    {
        var clusters = JsonNode.Parse(await http.GetStringAsync("/api/clusters"))!.AsArray();
        if (clusters.Single(c => (string?)c!["id"] == clusterId)!["instances"]!.AsArray().All(i => (string?)i!["status"] == "OK")) break;
        await Task.Delay(100);
    }
    await Task.Delay(1000); // a quiet second between switchovers, so that each window is measured on its own
}
await Task.Delay(1000);
await stop.CancelAsync();
await writer;

var acks = acknowledged.OrderBy(a => a.At).ToList();
Console.WriteLine($"{"#",3} {"candidate",10} {"saga ms",8} {"window ms",10} {"failed writes",14}  state");
var windows = new List<double>();
for (var i = 0; i < runs.Count; i++)
{
    var (candidate, start, end, state) = runs[i];
    var until = Math.Min(end + 1000, i + 1 < runs.Count ? runs[i + 1].Start : double.MaxValue);
    var around = acks.Where(a => a.At >= start - 100 && a.At <= until).Select(a => a.At).ToList();
    var window = around.Zip(around.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
    if (state == "completed") windows.Add(window);
    var failures = failed.Count(f => f.At >= start && f.At <= until);
    Console.WriteLine($"{i + 1,3} {candidate,10} {end - start,8:0} {window,10:0} {failures,14}  {state}");
}
var sorted = windows.Order().ToList();
Console.WriteLine(sorted.Count == 0 ? "no switchover completed" :
    $"write-unavailability window over {sorted.Count} completed switchovers: median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms");
Console.WriteLine($"writes: {acks.Count} acknowledged, {failed.Count} failed; failures by reason:");
foreach (var reason in failed.GroupBy(f => f.Error.Length > 90 ? f.Error[..90] : f.Error).OrderByDescending(g => g.Count()).Take(5))
    Console.WriteLine($"  {reason.Count(),6}  {reason.Key}");

// Every acknowledged write must be on every node once replication has caught up.
await Task.Delay(3000);
var expected = acks.Select(a => a.Id).ToHashSet();
var lost = 0;
foreach (var port in ports)
{
    await using var connection = new MySqlConnection(Direct(port));
    await connection.OpenAsync();
    var present = new HashSet<long>();
    await using (var reader = await new MySqlCommand("SELECT id FROM mysqlha_bench.writes", connection).ExecuteReaderAsync())
        while (await reader.ReadAsync()) present.Add(reader.GetInt64(0));
    var checksum = await new MySqlCommand("SELECT COALESCE(SUM(CRC32(CONCAT(id, '/', written_at))), 0) FROM mysqlha_bench.writes", connection).ExecuteScalarAsync();
    var missing = expected.Count(id => !present.Contains(id));
    lost += missing;
    Console.WriteLine($"node 127.0.0.1:{port}: {present.Count} rows, checksum {checksum}, acknowledged writes missing: {missing}");
}
Console.WriteLine(lost == 0 ? "post-check: every acknowledged write is on every node" : $"post-check FAILED: {lost} acknowledged writes missing");
return lost == 0 ? 0 : 1;
