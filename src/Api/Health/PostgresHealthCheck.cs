using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MySqlHa.Api.Health;

internal sealed class PostgresHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellation)
    {
        try
        {
            await using var session = store.QuerySession();
            var version = await session.QueryAsync<string>("select version()", cancellation);
            return HealthCheckResult.Healthy(version.FirstOrDefault());
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
