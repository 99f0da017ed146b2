using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Servers;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.Webhooks;
using Wolverine;

namespace MySqlHa.Api.Hosting;

/// <summary>
/// The Api's settings, read once at start and checked, so that a mistake stops the process with a clear message
/// instead of failing on the first request. Keys: ConnectionStrings:Postgres, Etcd:Endpoint, Etcd:Prefix,
/// MySqlHa:Schema, MySqlHa:Durability (Balanced or Solo), MySqlHa:ProbeTimeout, MySqlHa:Monitor:Interval,
/// MySqlHa:Monitor:LagThreshold, MySqlHa:Election:Identity, MySqlHa:Election:LeaseTtl, MySqlHa:Agents:TokenFile,
/// MySqlHa:Agents:CallTimeout, MySqlHa:Failover:ConfirmFor, MySqlHa:Failover:CheckInterval, MySqlHa:Webhooks:*.
/// </summary>
public sealed record MySqlHaSettings(
    string PostgresConnectionString,
    string Schema,
    EtcdOptions Etcd,
    DurabilityMode Durability,
    TimeSpan ProbeTimeout,
    MonitorOptions Monitor,
    LeaderElectionOptions Election,
    AgentClientOptions Agents,
    FailureDetectionOptions Failover,
    WebhookOptions Webhooks)
{
    public static MySqlHaSettings From(IConfiguration configuration)
    {
        var postgres = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(postgres))
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set (environment: ConnectionStrings__Postgres). scripts/demo.sh sets it from the sandbox.");

        var etcd = new EtcdOptions();
        configuration.GetSection("Etcd").Bind(etcd);
        if (!Uri.TryCreate(etcd.Endpoint, UriKind.Absolute, out var etcdUri) || etcdUri.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"Etcd:Endpoint '{etcd.Endpoint}' is not an http(s) URL.");

        var durabilityText = configuration["MySqlHa:Durability"] ?? nameof(DurabilityMode.Balanced);
        if (!Enum.TryParse<DurabilityMode>(durabilityText, ignoreCase: true, out var durability)
            || durability is not (DurabilityMode.Balanced or DurabilityMode.Solo))
            throw new InvalidOperationException($"MySqlHa:Durability '{durabilityText}' must be Balanced or Solo.");

        var schema = configuration["MySqlHa:Schema"] ?? "mysqlha";
        if (!System.Text.RegularExpressions.Regex.IsMatch(schema, "^[a-z_][a-z0-9_]{0,62}$"))
            throw new InvalidOperationException($"MySqlHa:Schema '{schema}' must be a lower-case PostgreSQL identifier.");

        var probeTimeout = configuration.GetValue("MySqlHa:ProbeTimeout", TimeSpan.FromSeconds(2));
        if (probeTimeout <= TimeSpan.Zero)
            throw new InvalidOperationException("MySqlHa:ProbeTimeout must be positive.");

        var monitor = new MonitorOptions();
        configuration.GetSection("MySqlHa:Monitor").Bind(monitor);
        if (monitor.Interval < TimeSpan.FromMilliseconds(100))
            throw new InvalidOperationException("MySqlHa:Monitor:Interval must be at least 100 ms.");
        if (monitor.LagThreshold < TimeSpan.Zero)
            throw new InvalidOperationException("MySqlHa:Monitor:LagThreshold cannot be negative.");

        var election = new LeaderElectionOptions();
        configuration.GetSection("MySqlHa:Election").Bind(election);
        if (election.LeaseTtl < TimeSpan.FromSeconds(1))
            throw new InvalidOperationException("MySqlHa:Election:LeaseTtl must be at least 1 second.");

        var agents = new AgentClientOptions();
        configuration.GetSection("MySqlHa:Agents").Bind(agents);
        if (agents.TokenFile.Length > 0 && new ServerCredentials("", agents.TokenFile).ProblemWithPasswordFile() is { } tokenProblem)
            throw new InvalidOperationException($"MySqlHa:Agents:TokenFile: {tokenProblem}.");

        var failover = new FailureDetectionOptions();
        configuration.GetSection("MySqlHa:Failover").Bind(failover);
        if (failover.ConfirmFor < TimeSpan.Zero)
            throw new InvalidOperationException("MySqlHa:Failover:ConfirmFor cannot be negative.");
        if (failover.CheckInterval <= TimeSpan.Zero)
            throw new InvalidOperationException("MySqlHa:Failover:CheckInterval must be positive.");

        var webhooks = new WebhookOptions();
        configuration.GetSection("MySqlHa:Webhooks").Bind(webhooks);
        if (webhooks.PollInterval < TimeSpan.FromMilliseconds(10) || webhooks.AttemptTimeout <= TimeSpan.Zero || webhooks.FirstRetryDelay <= TimeSpan.Zero
            || webhooks.MaxRetryDelay < webhooks.FirstRetryDelay || webhooks.PauseAfterFailingFor <= TimeSpan.Zero)
            throw new InvalidOperationException(
                "MySqlHa:Webhooks: PollInterval must be at least 10 ms, AttemptTimeout, FirstRetryDelay and PauseAfterFailingFor positive, MaxRetryDelay at least FirstRetryDelay.");
        if (webhooks.PauseAfterFailures < 1)
            throw new InvalidOperationException("MySqlHa:Webhooks:PauseAfterFailures must be at least 1.");

        return new MySqlHaSettings(postgres, schema, etcd, durability, probeTimeout, monitor, election, agents, failover, webhooks);
    }
}
