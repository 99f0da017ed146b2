using MySqlHa.Replication.Servers;
using MySqlHa.Api.Security;
using JasperFx.CodeGeneration;
using JasperFx.Events.Daemon;
using MySqlHa.Api.Health;
using MySqlHa.Api.Monitoring;
using MySqlHa.Coordination;
using MySqlHa.Replication;
using MySqlHa.Workflows;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Persistence;
using MySqlHa.Workflows.Webhooks;
using Wolverine;

namespace MySqlHa.Api.Hosting;

public static class ServiceRegistration
{
    public static WebApplicationBuilder AddMySqlHaServices(this WebApplicationBuilder builder, MySqlHaSettings settings)
    {
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<NotLeadingExceptionHandler>();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SupportNonNullableReferenceTypes();
            swagger.DescribeAuthentication(settings.Auth);
        });
        services.AddMySqlHaAuthentication(settings.Auth);

        services.AddServerProbe(new SecretFolder(settings.SecretsFolder), probe =>
        {
            probe.Timeout = settings.ProbeTimeout;
            probe.Tls = settings.ServerTls;
        });
        services.AddEtcd(settings.Etcd);
        services.AddMySqlHaPersistence(settings.PostgresConnectionString, settings.Schema,
            settings.Durability == DurabilityMode.Solo ? DaemonMode.Solo : DaemonMode.HotCold);
        services.AddMySqlHaWorkflows();
        services.AddLeaderElection(settings.Election);
        services.AddMySqlHaMonitor(settings.Monitor);
        services.AddMySqlHaFailover(settings.Failover);
        services.AddMonitorMetrics();
        services.AddAgentClient(settings.Agents);
        services.AddMySqlHaWebhooks(settings.Webhooks);
        services.AddMySqlHaBackups(settings.BackupRepository);
        services.AddMySqlHaHealthChecks();

        builder.Host.UseWolverine(wolverine =>
        {
            wolverine.UseMySqlHaDefaults();
            wolverine.Durability.Mode = settings.Durability;
            // The handlers' code is generated ahead of time (scripts/codegen.sh writes Internal/Generated, and a test
            // fails when it differs from what the handlers need today), so that no saga step, the first failover after
            // a start included, waits for a compiler. A chain without generated code is still compiled at run time.
            wolverine.CodeGeneration.TypeLoadMode = TypeLoadMode.Auto;
        });
        return builder;
    }
}
