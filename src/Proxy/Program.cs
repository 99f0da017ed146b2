using MySqlHa.Coordination;
using MySqlHa.Proxy.Configuration;
using MySqlHa.Proxy.Routing;
using Prometheus;

// Forwarding continuations are short and never block, so they run on the socket engine's own threads instead of
// hopping to the thread pool on every read (see docs/benchmarks/proxy.md). The runtime reads this once, when the
// first socket is made, so it is set before anything else; an operator's own value wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddJsonFile(builder.Configuration["config"] ?? "proxy.json", optional: true);
builder.Configuration.AddEnvironmentVariables("MYSQLHA_PROXY_");

ProxySettings settings;
try
{
    settings = ProxySettings.From(builder.Configuration);
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

builder.Services.AddSingleton(settings);
builder.Services.AddEtcd(settings.Etcd);
builder.Services.AddSingleton<RoutingService>();
builder.Services.AddHostedService(services => services.GetRequiredService<RoutingService>());

var app = builder.Build();
app.MapMetrics("/metrics");
// Healthy while every cluster has a topology to route by, even with etcd or the Api down: the last known one stays in force.
app.MapGet("/healthz", (RoutingService routing) =>
{
    var clusters = routing.Clusters.Select(c => new
    {
        cluster = c.Cluster.Name,
        version = c.Routes.Version,
        state = c.Routes.State.ToString(),
        master = c.Routes.Master?.ToString(),
        replicas = c.Routes.Replicas.Select(r => r.ToString()),
        topology = c.Cluster.ApiClusterId is null ? "etcd" : "api",
        sourceConnected = c.SourceConnected,
        held = c.Held,
    }).ToList();
    return Results.Json(clusters, statusCode: clusters.All(c => c.version > 0) ? 200 : 503);
});
await app.RunAsync();
return 0;
