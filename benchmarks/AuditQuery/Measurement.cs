using System.Diagnostics;
using MySqlHa.Workflows.Audit;
using Npgsql;

namespace MySqlHa.Benchmarks.AuditQuery;

/// <summary>
/// Times pages of GET /api/events through the real Api over HTTP (a fresh request each run, after warm-up runs),
/// for each kind of filter, both orders, first pages and pages deep in the result (a cursor at its middle).
/// </summary>
public static class Measurement
{
    private const int WarmUpRuns = 3;

    public static async Task RunAsync(HttpClient http, NpgsqlDataSource database, string schema, int runs)
    {
        async Task<T> Scalar<T>(string sql)
        {
            await using var command = database.CreateCommand(sql);
            return (T)(await command.ExecuteScalarAsync())!;
        }

        // The middle cluster, an operation in its middle, a day in the middle of the year.
        var events = await Scalar<long>($"select count(*) from {schema}.mt_events");
        var cluster = await Scalar<Guid>($"select stream_id from {schema}.mt_events where type = 'cluster_registered' order by seq_id offset (select count(*) / 2 from {schema}.mt_events where type = 'cluster_registered') limit 1");
        var operation = await Scalar<Guid>($"with o as (select seq_id, data ->> 'OperationId' as id from {schema}.mt_events where stream_id = '{cluster}' and type = 'operation_started') select id::uuid from o order by seq_id offset (select count(*) / 2 from o) limit 1");
        var day = await Scalar<DateTime>($"select date_trunc('day', min(timestamp) + (max(timestamp) - min(timestamp)) / 2) from {schema}.mt_events");
        var range = $"from={day:yyyy-MM-ddTHH:mm:ssZ}&to={day.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}";

        async Task<string> Middle(string tagOrType, AuditOrder order)
        {
            var matches = tagOrType.Contains(':')
                ? $"select seq_id from {schema}.audit_event_tags where tag = '{tagOrType}'"
                : $"select seq_id from {schema}.mt_events where type = '{tagOrType}'";
            var sequence = await Scalar<long>($"with m as ({matches}) select seq_id from m order by seq_id offset (select count(*) / 2 from m) limit 1");
            return Uri.EscapeDataString(AuditCursor.Encode(order, sequence));
        }

        var queries = new (string Name, string Query)[]
        {
            ("no filter, newest first", ""),
            ("no filter, oldest first", "order=asc"),
            ("cluster", $"cluster={cluster}"),
            ("cluster, oldest first", $"cluster={cluster}&order=asc"),
            ("cluster, deep page", $"cluster={cluster}&cursor={await Middle(AuditIndex.ClusterTag + cluster, AuditOrder.NewestFirst)}"),
            ("cluster, deep page, oldest first", $"cluster={cluster}&order=asc&cursor={await Middle(AuditIndex.ClusterTag + cluster, AuditOrder.OldestFirst)}"),
            ("operation", $"operation={operation}"),
            ("instance", "instance=db2"),
            ("instance, deep page, oldest first", $"instance=db2&order=asc&cursor={await Middle(AuditIndex.InstanceTag + "db2", AuditOrder.OldestFirst)}"),
            ("cluster + instance", $"cluster={cluster}&instance=db3"),
            ("type", "type=replica_promoted"),
            ("type, deep page", $"type=replica_promoted&cursor={await Middle("replica_promoted", AuditOrder.NewestFirst)}"),
            ("cluster + rare type", $"cluster={cluster}&type=master_switched"),
            ("actor", "actor=alice"),
            ("actor + type, oldest first", "actor=bob&type=switchover_completed&order=asc"),
            ("time range (1 day)", range),
            ("cluster + time range (1 day)", $"cluster={cluster}&{range}"),
        };

        Console.WriteLine($"{events:N0} events; {runs} runs per query after {WarmUpRuns} warm-up runs; page of 50 (the default); times are whole HTTP requests");
        Console.WriteLine("| query | events in page | median ms | p95 ms | max ms |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (name, query) in queries)
        {
            var times = new List<double>();
            var count = 0;
            for (var run = 0; run < WarmUpRuns + runs; run++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync($"/api/events?{query}");
                var body = await response.Content.ReadAsStringAsync();
                clock.Stop();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {body}");
                if (run < WarmUpRuns) continue;
                times.Add(clock.Elapsed.TotalMilliseconds);
                count = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("events").GetArrayLength();
            }
            times.Sort();
            var p95 = times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.95) - 1)];
            Console.WriteLine($"| {name} | {count} | {times[(times.Count - 1) / 2]:0.0} | {p95:0.0} | {times[^1]:0.0} |");
        }
    }
}
