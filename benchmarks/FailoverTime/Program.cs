using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using MySqlConnector;

// One failover trial against a running Api, agents and proxy (scripts/bench-failover.sh starts them): three
// application writers insert unique ids through the proxy's read-write port, each on a fresh connection; the
// master's mysqld is killed with SIGKILL (or stopped with SIGSTOP: a hung master, which its agent kills when the
// failover fences it); the trial measures the time from the signal to the first write that began
// after it and was committed (necessarily on the new master), waits for the failover to end, and counts the
// acknowledged writes missing from the new master. Prints one tab-separated line:
//   first-write-ms  failover-state  acknowledged  lost  new-master  phases  timeline
// phases are the saga's own phase seconds; timeline is milliseconds from the kill to each moment the failover's
// events record (lost: the first failed look at the master; started, chosen, held, fenced, applied, promoted), and
// to the first write acknowledged by the new master (first-write).
// Arguments: api-url cluster-id proxy-port admin-user admin-password-file mariadb-ports(comma) master-pid-file signal (KILL
// or STOP) [pid sent the signal with it] (the master's agent, for the host gone with both)
var (apiUrl, clusterId, proxyPort, user, passwordFile, ports, masterPidFile) =
    (args[0], args[1], int.Parse(args[2]), args[3], args[4], args[5].Split(',').Select(int.Parse).ToArray(), args[6]);
var (signal, killedWith) = (args[7], args.Length > 8 ? args[8] : null);
var password = File.ReadAllText(passwordFile).Trim();
string Direct(int port) => $"Server=127.0.0.1;Port={port};User ID={user};Password={password};Pooling=false;Connection Timeout=2";
const string appUser = "mysqlha_bench_app";
var appPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
var throughProxy = $"Server=127.0.0.1;Port={proxyPort};User ID={appUser};Password={appPassword};Pooling=false;Connection Timeout=3;Default Command Timeout=3";
using var http = new HttpClient { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(30) };
// The admin key scripts/lib/stack.sh exports.
http.DefaultRequestHeaders.Add("X-Api-Key", Environment.GetEnvironmentVariable("MYSQLHA_API_KEY"));

await using (var setup = new MySqlConnection(Direct(ports[0])))
{
    await setup.OpenAsync();
    await new MySqlCommand("CREATE DATABASE IF NOT EXISTS mysqlha_bench; DROP TABLE IF EXISTS mysqlha_bench.writes; " +
        "CREATE TABLE mysqlha_bench.writes (id BIGINT PRIMARY KEY); " +
        $"CREATE OR REPLACE USER '{appUser}'@'127.0.0.1' IDENTIFIED BY '{appPassword}'; " +
        $"GRANT SELECT, INSERT ON mysqlha_bench.* TO '{appUser}'@'127.0.0.1'", setup).ExecuteNonQueryAsync();
}
await Task.Delay(1000);

var clock = Stopwatch.StartNew();
var acknowledged = new ConcurrentBag<(long Id, double Began, double At)>();
using var stop = new CancellationTokenSource();
var writers = Enumerable.Range(1, 3).Select(writer => Task.Run(async () =>
{
    var next = writer * 1_000_000_000L;
    while (!stop.IsCancellationRequested)
    {
        var id = next++;
        var began = clock.Elapsed.TotalMilliseconds;
        try
        {
            await using var connection = new MySqlConnection(throughProxy);
            await connection.OpenAsync();
            await new MySqlCommand($"INSERT INTO mysqlha_bench.writes VALUES ({id})", connection).ExecuteNonQueryAsync();
            acknowledged.Add((id, began, clock.Elapsed.TotalMilliseconds));
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException or IOException)
        {
            await Task.Delay(5);
        }
        await Task.Delay(5);
    }
})).ToList();

await Task.Delay(3000);
Process.Start("kill", [$"-{signal}", File.ReadAllText(masterPidFile).Trim(), .. killedWith is null ? Array.Empty<string>() : [killedWith]])!.WaitForExit();
// Taken once the signal is delivered: a write that began earlier may still have been committed by the old master.
var killedAt = clock.Elapsed.TotalMilliseconds;
var killedAtUtc = DateTimeOffset.UtcNow;

string state = "running", newMaster = "?", phases = "{}", operation = "";
var deadline = DateTime.UtcNow.AddSeconds(60);
// The Api is asked nothing until the first write after the signal was acknowledged (or 30 s passed): each look makes
// it read records and events, work that would compete with the failover being measured on a 2-core machine.
while (!acknowledged.Any(a => a.Began > killedAt) && DateTime.UtcNow < deadline.AddSeconds(-30)) await Task.Delay(20);
while (DateTime.UtcNow < deadline)
{
    await Task.Delay(250);
    var cluster = JsonNode.Parse(await http.GetStringAsync($"/api/clusters/{clusterId}"))!;
    newMaster = (string?)cluster["instances"]!.AsArray().FirstOrDefault(i => (string?)i!["role"] == "master")?["name"] ?? "?";
    var operations = JsonNode.Parse(await http.GetStringAsync($"/api/clusters/{clusterId}/operations?kind=failover"))!.AsArray();
    if (operations.LastOrDefault() is not { } last) continue;
    state = (string)last["state"]!;
    if (state is "running" or "not started") continue;
    phases = last["last"]?["phaseSeconds"]?.ToJsonString() ?? "{}";
    operation = (string)last["id"]!;
    break;
}
await Task.Delay(1000);
await stop.CancelAsync();
await Task.WhenAll(writers);

var firstWrite = acknowledged.Where(a => a.Began > killedAt).Select(a => a.At - killedAt).DefaultIfEmpty(double.NaN).Min();
var newMasterPort = newMaster.StartsWith("db", StringComparison.Ordinal) ? ports[int.Parse(newMaster[2..]) - 1] : ports[1];
var present = new HashSet<long>();
await using (var connection = new MySqlConnection(Direct(newMasterPort)))
{
    await connection.OpenAsync();
    await using var reader = await new MySqlCommand("SELECT id FROM mysqlha_bench.writes", connection).ExecuteReaderAsync();
    while (await reader.ReadAsync()) present.Add(reader.GetInt64(0));
}
var lost = acknowledged.Count(a => !present.Contains(a.Id));

// Each event records its own moment (its last property ending in "At"); the events' commit times would merge the
// steps a handler runs together.
var timeline = new JsonObject();
if (operation.Length > 0)
{
    var moments = new (string Event, string Property, string Name)[]
    {
        ("FailoverStarted", "lostSince", "lost"), ("FailoverStarted", "startedAt", "started"), ("FailoverCandidateChosen", "chosenAt", "chosen"),
        ("FailoverTrafficHeld", "heldAt", "held"), ("FailedMasterFenced", "fencedAt", "fenced"), ("CandidateRelayLogApplied", "appliedAt", "applied"),
        ("ReplicaPromoted", "promotedAt", "promoted"),
    };
    var steps = JsonNode.Parse(await http.GetStringAsync($"/api/operations/{operation}"))!["steps"]!.AsArray();
    foreach (var (name, property, label) in moments)
        if (steps.FirstOrDefault(s => (string?)s!["event"] == name)?["data"]?[property] is { } at)
            timeline[label] = Math.Round((DateTimeOffset.Parse((string)at!, System.Globalization.CultureInfo.InvariantCulture) - killedAtUtc).TotalMilliseconds);
}
timeline["first-write"] = double.IsNaN(firstWrite) ? null : Math.Round(firstWrite);
Console.WriteLine(FormattableString.Invariant($"{firstWrite:0}\t{state}\t{acknowledged.Count}\t{lost}\t{newMaster}\t{phases}\t{timeline.ToJsonString()}"));
return state == "completed" ? 0 : 1;
