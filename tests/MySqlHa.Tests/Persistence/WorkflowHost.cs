using JasperFx.CodeGeneration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Persistence;
using Wolverine;

namespace MySqlHa.Tests.Persistence;

/// <summary>
/// A host with exactly the persistence and Wolverine settings the Api uses, against the sandbox PostgreSQL, in a
/// schema of the test's own so that test classes cannot see each other's data.
/// </summary>
public static class WorkflowHost
{
    public static async Task<IHost> StartAsync(string schema, Action<WolverineOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(collection =>
            {
                collection.AddSingleton(TimeProvider.System);
                collection.AddMySqlHaPersistence(SandboxSettings.Current.Postgres, schema);
                services?.Invoke(collection);
            })
            .UseWolverine(options =>
            {
                options.UseMySqlHaDefaults();
                options.Durability.Mode = DurabilityMode.Solo;
                options.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
                configure?.Invoke(options);
            })
            .Build();
        await host.StartAsync();
        return host;
    }
}
