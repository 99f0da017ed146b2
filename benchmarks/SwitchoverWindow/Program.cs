using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;

// Against a running Api, agents and proxy (scripts/bench-switchover.sh starts them): writers commit a row every 5 ms
// each through the proxy's read-write port while the Api switches the master N times: one on a fresh connection per
// write, and two on one long-lived pooled session each (as most applications hold them), one of those as an account
// that read_only does not bind (READ ONLY ADMIN). Reports, per switchover, the write-unavailability window (the
// longest gap between acknowledged writes while it ran) and the failed writes of each writer, and afterwards checks
// that every acknowledged row of every writer is on every node (count and checksum).
// Arguments: api-url cluster-id proxy-port admin-user admin-password-file mariadb-ports(comma) switchovers
var (apiUrl, clusterId, proxyPort, user, passwordFile, ports, switchovers) =
    (args[0], args[1], int.Parse(args[2]), args[3], args[4], args[5].Split(',').Select(int.Parse).ToArray(), int.Parse(args[6]));
var password = File.ReadAllText(passwordFile).Trim();
string Direct(int port) => $"Server=127.0.0.1;Port={port};User ID={user};Password={password};Pooling=false;Connection Timeout=2";
// The writers are applications: a user whom read_only stops, and one it does not stop.
const string appUser = "mysqlha_bench_app";
const string privilegedUser = "mysqlha_bench_ro_admin";
var appPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
string ThroughProxy(string account, bool pooled) =>
    $"Server=127.0.0.1;Port={proxyPort};User ID={account};Password={appPassword};Connection Timeout=2;Default Command Timeout=2;" +
    (pooled ? $"Pooling=true;Maximum Pool Size=1;Connection Lifetime=0;Application Name={account}" : "Pooling=false");
using var http = new HttpClient { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(30) };
// How often the operation's end is looked for (MYSQLHA_BENCH_POLL_MS, default 250): each look makes the Api read the
// operation's events, work that competes with the switchover on a 2-core machine, so the observer looks as an
// operator's console would, not as fast as it can.
var pollInterval = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("MYSQLHA_BENCH_POLL_MS"), out var poll) ? poll : 250);
// The admin key scripts/lib/stack.sh exports.
http.DefaultRequestHeaders.Add("X-Api-Key", Environment.GetEnvironmentVariable("MYSQLHA_API_KEY"));

await using (var setup = new MySqlConnection(Direct(ports[0])))
{
    await setup.OpenAsync();
    await new MySqlCommand("CREATE DATABASE IF NOT EXISTS mysqlha_bench; DROP TABLE IF EXISTS mysqlha_bench.writes; " +
        "CREATE TABLE mysqlha_bench.writes (id BIGINT PRIMARY KEY, written_at DATETIME(6) NOT NULL); " +
        $"CREATE OR REPLACE USER '{appUser}'@'127.0.0.1' IDENTIFIED BY '{appPassword}'; " +
        $"GRANT SELECT, INSERT ON mysqlha_bench.* TO '{appUser}'@'127.0.0.1'; " +
        $"CREATE OR REPLACE USER '{privilegedUser}'@'127.0.0.1' IDENTIFIED BY '{appPassword}'; " +
        $"GRANT SELECT, INSERT ON mysqlha_bench.* TO '{privilegedUser}'@'127.0.0.1'; GRANT READ_ONLY ADMIN ON *.* TO '{privilegedUser}'@'127.0.0.1'", setup)
        .ExecuteNonQueryAsync();
}
await Task.Delay(1000);

var clock = Stopwatch.StartNew();
using var stop = new CancellationTokenSource();
var writers = new[]
{
    new Writer("fresh connection, plain user", ThroughProxy(appUser, pooled: false), 1_000_000_000L),
    new Writer("long-lived pooled, plain user", ThroughProxy(appUser, pooled: true), 2_000_000_000L),
    new Writer("long-lived pooled, READ ONLY ADMIN", ThroughProxy(privilegedUser, pooled: true), 3_000_000_000L),
};
var writing = writers.Select(w => Task.Run(() => w.RunAsync(clock, stop.Token))).ToList();

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
        await Task.Delay(pollInterval);
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
await Task.WhenAll(writing);

var windows = writers.ToDictionary(w => w, _ => new List<double>());
Console.WriteLine($"{"#",3} {"candidate",10} {"saga ms",8}  {string.Join("  ", writers.Select((_, n) => $"w{n + 1} window ms / failed"))}  state");
for (var i = 0; i < runs.Count; i++)
{
    var (candidate, start, end, state) = runs[i];
    var until = Math.Min(end + 1000, i + 1 < runs.Count ? runs[i + 1].Start : double.MaxValue);
    var cells = new List<string>();
    foreach (var w in writers)
    {
        var around = w.Acknowledged.Select(a => a.At).Where(at => at >= start - 100 && at <= until).Order().ToList();
        var window = around.Zip(around.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
        if (state == "completed") windows[w].Add(window);
        cells.Add($"{window,10:0} / {w.Failed.Count(f => f.At >= start && f.At <= until),6}");
    }
    Console.WriteLine($"{i + 1,3} {candidate,10} {end - start,8:0}  {string.Join("  ", cells)}  {state}");
}

// Every acknowledged write must be on every node once replication has caught up.
await Task.Delay(3000);
var present = new List<HashSet<long>>();
foreach (var port in ports)
{
    await using var connection = new MySqlConnection(Direct(port));
    await connection.OpenAsync();
    var rows = new HashSet<long>();
    await using (var reader = await new MySqlCommand("SELECT id FROM mysqlha_bench.writes", connection).ExecuteReaderAsync())
        while (await reader.ReadAsync()) rows.Add(reader.GetInt64(0));
    present.Add(rows);
    var checksum = await new MySqlCommand("SELECT COALESCE(SUM(CRC32(CONCAT(id, '/', written_at))), 0) FROM mysqlha_bench.writes", connection).ExecuteScalarAsync();
    Console.WriteLine($"node 127.0.0.1:{port}: {rows.Count} rows, checksum {checksum}");
}
var lost = 0;
for (var n = 0; n < writers.Length; n++)
{
    var w = writers[n];
    var sorted = windows[w].Order().ToList();
    var missing = w.Acknowledged.Select(a => a.Id).Distinct().Count(id => present.Any(rows => !rows.Contains(id)));
    lost += missing;
    Console.WriteLine($"w{n + 1} ({w.Name}): {w.Acknowledged.Count} acknowledged, {w.Failed.Count} failed, {missing} acknowledged but missing on a node; " +
        (sorted.Count == 0 ? "no switchover completed" : $"window over {sorted.Count} completed switchovers: median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms"));
    foreach (var reason in w.Failed.GroupBy(f => f.Error.Length > 90 ? f.Error[..90] : f.Error).OrderByDescending(g => g.Count()).Take(3))
        Console.WriteLine($"  {reason.Count(),6}  {reason.Key}");
}
Console.WriteLine(lost == 0 ? "post-check: every acknowledged write is on every node" : $"post-check FAILED: {lost} acknowledged writes missing");
return lost == 0 ? 0 : 1;

/// <summary>One writer: a row every 5 ms through <paramref name="ConnectionString"/>, every outcome kept with its time.</summary>
internal sealed record Writer(string Name, string ConnectionString, long FirstId)
{
    public ConcurrentBag<(long Id, double At)> Acknowledged { get; } = [];

    public ConcurrentBag<(long Id, double At, string Error)> Failed { get; } = [];

    public async Task RunAsync(Stopwatch clock, CancellationToken stop)
    {
        var next = FirstId;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (!stop.IsCancellationRequested && await timer.WaitForNextTickAsync(CancellationToken.None))
        {
            var id = next++;
            try
            {
                // With pooling, the same session comes back from the pool write after write until it breaks.
                await using var connection = new MySqlConnection(ConnectionString);
                await connection.OpenAsync();
                await new MySqlCommand($"INSERT INTO mysqlha_bench.writes VALUES ({id}, NOW(6))", connection).ExecuteNonQueryAsync();
                Acknowledged.Add((id, clock.Elapsed.TotalMilliseconds));
            }
            catch (Exception e) when (e is MySqlException or InvalidOperationException or IOException or EndOfStreamException)
            {
                Failed.Add((id, clock.Elapsed.TotalMilliseconds, e.Message));
            }
        }
    }
}
