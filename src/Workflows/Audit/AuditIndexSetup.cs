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
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await AuditIndex.EnsureAsync(log.Database, log.Schema, cancellation);
    }

    public Task StopAsync(CancellationToken cancellation) => Task.CompletedTask;
}
