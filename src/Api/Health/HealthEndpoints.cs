using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MySqlHa.Api.Health;

public static class HealthEndpoints
{
    public static IServiceCollection AddMySqlHaHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres")
            .AddCheck<EtcdHealthCheck>("etcd")
            .AddCheck<WolverineHealthCheck>("wolverine");
        return services;
    }

    /// <summary>/healthz: 200 when every dependency answers, 503 otherwise; the body says which and why. Without credentials when <paramref name="anonymous"/>.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints, bool anonymous)
    {
        var health = endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteReportAsync })
            .WithTags("Health");
        if (anonymous) health.AllowAnonymous();
        return endpoints;
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new
                {
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description,
                    durationMs = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
