using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wolverine.Runtime;

namespace MySqlHa.Api.Health;

/// <summary>Ready once Wolverine's runtime has started and its durability agent is running against PostgreSQL.</summary>
internal sealed class WolverineHealthCheck(IWolverineRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellation)
    {
        var durability = runtime.Options.Durability;
        return Task.FromResult(runtime.Cancellation.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("Wolverine is stopping")
            : HealthCheckResult.Healthy($"node {runtime.Options.UniqueNodeId}, durability mode {durability.Mode}"));
    }
}
