using MySqlHa.Coordination.Tls;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Lifecycle;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.Operations;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Topology;

namespace MySqlHa.Workflows;

public static class WorkflowServices
{
    /// <summary>The services behind cluster operations. Singletons registered by type, as Wolverine 6 requires.</summary>
    public static IServiceCollection AddMySqlHaWorkflows(this IServiceCollection services)
    {
        services.AddSingleton<ClusterWriteGate>();
        services.AddSingleton<ServerActions>();
        services.AddSingleton<LifecycleRunner>();
        services.AddSingleton<ClusterStream>();
        services.AddSingleton<SemiSyncConfigurator>();
        services.AddSingleton<OperationStarter>();
        return services;
    }

    /// <summary>The controller's side of the agent protocol, used by the sagas.</summary>
    public static IServiceCollection AddAgentClient(this IServiceCollection services, AgentClientOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<AgentIdentity>();
        var agents = services.AddHttpClient("agents");
        // Agents over HTTPS present certificates from the configured CA, trusted for these calls only.
        if (options.CaFile.Length > 0) agents.ConfigurePrimaryHttpMessageHandler(() => CertificateAuthority.FromPemFile(options.CaFile).Handler());
        services.AddSingleton<AgentClient>();
        return services;
    }

    /// <summary>The monitor and the topology publisher; they act only while this process leads (see LeaderElection).</summary>
    public static IServiceCollection AddMySqlHaMonitor(this IServiceCollection services, MonitorOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<MonitorObservations>();
        services.AddSingleton<TopologyPublisher>();
        services.AddSingleton<ClusterMonitor>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterMonitor>());
        return services;
    }

    /// <summary>Failure detection, automatic failover and fencing; they act only while this process leads.</summary>
    public static IServiceCollection AddMySqlHaFailover(this IServiceCollection services, FailureDetectionOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<FailoverStarter>();
        services.AddSingleton<MasterFailureDetector>();
        services.AddSingleton<FencedInstanceGuard>();
        services.AddSingleton<WritableInvariantWatch>();
        services.AddSingleton<FailureWatch>();
        services.AddHostedService(provider => provider.GetRequiredService<FailureWatch>());
        services.AddHostedService<AgentReportWatch>();
        return services;
    }
}
