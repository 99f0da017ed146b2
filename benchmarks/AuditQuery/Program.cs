using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Benchmarks.AuditQuery;
using MySqlHa.Workflows.Audit;
using MySqlHa.Workflows.Persistence;
using Npgsql;

// Two steps, run by scripts/bench-audit.sh:
//   seed EVENTS CLUSTERS         empties SCHEMA and stores EVENTS real Marten events over CLUSTERS clusters
//   measure API_URL RUNS         times filtered pages of GET /api/events on the Api at API_URL (serving SCHEMA)
// Environment: MYSQLHA_POSTGRES (the sandbox's connection string), MYSQLHA_BENCH_SCHEMA.
string Env(string key) => Environment.GetEnvironmentVariable(key) ?? throw new InvalidOperationException($"{key} is not set");
var (connection, schema) = (Env("MYSQLHA_POSTGRES"), Env("MYSQLHA_BENCH_SCHEMA"));

switch (args)
{
    case ["seed", var events, var clusters]:
    {
        // The Api's own Marten configuration; nothing of the host runs but the store.
        await using var services = new ServiceCollection().AddLogging().AddMySqlHaPersistence(connection, schema).BuildServiceProvider();
        var store = services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var database = NpgsqlDataSource.Create(connection);
        await AuditIndex.EnsureAsync(database, schema, CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stored = await Seeding.StoreAsync(store, int.Parse(events), int.Parse(clusters));
        await using (var analyze = database.CreateCommand($"analyze {schema}.mt_events; analyze {schema}.audit_event_tags")) await analyze.ExecuteNonQueryAsync();
        Console.WriteLine($"stored {stored:N0} events in {clock.Elapsed.TotalSeconds:0} s (bulk COPY, tagged by the audit index's trigger)");
        return 0;
    }
    case ["measure", var api, var runs]:
    {
        await using var database = NpgsqlDataSource.Create(connection);
        using var http = new HttpClient { BaseAddress = new Uri(api) };
        // The admin key scripts/bench-audit.sh exports.
        http.DefaultRequestHeaders.Add("X-Api-Key", Environment.GetEnvironmentVariable("MYSQLHA_API_KEY"));
        await Measurement.RunAsync(http, database, schema, int.Parse(runs));
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: seed EVENTS CLUSTERS | measure API_URL RUNS");
        return 2;
}
