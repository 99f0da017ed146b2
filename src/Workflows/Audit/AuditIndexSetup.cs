using Marten;
using Microsoft.Extensions.Hosting;

namespace MySqlHa.Workflows.Audit;

/// <summary>
/// Installs the audit index at start, after Marten has made its event tables and before the monitor or any request
/// appends an event (hosted services start in the order they were registered; persistence is registered first).
/// </summary>
internal sealed class AuditIndexSetup(IDocumentStore store, AuditLog log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                break;
            }
            catch (Exception e) when (attempt < 5 && MadeMeanwhile(e))
            {
                // The async daemon makes the event tables as it starts, beside this: on a new schema the two can race,
                // and the loser finds an object the winner just made. Applying again finds them all made.
            }
        }
        await AuditIndex.EnsureAsync(log.Database, log.Schema, cancellation);
    }

    private static bool MadeMeanwhile(Exception e) =>
        e is Npgsql.PostgresException { SqlState: "42P07" or "42710" or "42P06" or "23505" }
        || (e.InnerException is not null && MadeMeanwhile(e.InnerException));

    public Task StopAsync(CancellationToken cancellation) => Task.CompletedTask;
}
