using MySqlHa.Api.Security;
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
/// MySqlHa:Agents:CallTimeout, MySqlHa:Failover:ConfirmFor, MySqlHa:Failover:CheckInterval, MySqlHa:Secrets:Folder (the secrets that registrations name), MySqlHa:Servers:Tls
/// (SslMode, CaFile, AllowPublicKeyRetrieval), MySqlHa:Webhooks:*, MySqlHa:Backups:Repository (the backup repository's folder,
/// shared with the agents), and MySqlHa:Auth (see <see cref="AuthOptions"/>).
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
    AuthOptions Auth,
    string SecretsFolder,
    ServerTlsOptions ServerTls,
    WebhookOptions Webhooks,
    string BackupRepository)
{
    public static MySqlHaSettings From(IConfiguration configuration)
    {
        var postgres = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(postgres))
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set (environment: ConnectionStrings__Postgres). scripts/demo.sh sets it from the sandbox.");

        var etcd = new EtcdOptions();
        configuration.GetSection("Etcd").Bind(etcd);
        if (etcd.Problem() is { } etcdProblem)
            throw new InvalidOperationException($"Etcd: {etcdProblem}.");

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
        if (agents.TokenFile.Length > 0 && SecretFiles.ProblemWithFile(agents.TokenFile) is { } tokenProblem)
            throw new InvalidOperationException($"MySqlHa:Agents:TokenFile: {tokenProblem}.");
        if (agents.Problem() is { } agentsProblem)
            throw new InvalidOperationException($"MySqlHa:Agents: {agentsProblem}.");

        var failover = new FailureDetectionOptions();
        configuration.GetSection("MySqlHa:Failover").Bind(failover);
        if (failover.ConfirmFor < TimeSpan.Zero)
            throw new InvalidOperationException("MySqlHa:Failover:ConfirmFor cannot be negative.");
        if (failover.CheckInterval <= TimeSpan.Zero)
            throw new InvalidOperationException("MySqlHa:Failover:CheckInterval must be positive.");

        var auth = new AuthOptions();
        configuration.GetSection("MySqlHa:Auth").Bind(auth);
        if (auth.Jwt.Enabled)
        {
            if (!Uri.TryCreate(auth.Jwt.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"MySqlHa:Auth:Jwt:Authority '{auth.Jwt.Authority}' is not an http(s) URL.");
            if (string.IsNullOrWhiteSpace(auth.Jwt.Audience))
                throw new InvalidOperationException("MySqlHa:Auth:Jwt:Audience is required with an authority: a token for another audience must not sign in.");
        }

        var secretsFolder = configuration["MySqlHa:Secrets:Folder"] ?? "";
        if (secretsFolder.Length > 0 && (!Path.IsPathFullyQualified(secretsFolder) || !Directory.Exists(secretsFolder)))
            throw new InvalidOperationException($"MySqlHa:Secrets:Folder '{secretsFolder}' is not an absolute path to a folder.");

        var serverTls = new ServerTlsOptions();
        configuration.GetSection("MySqlHa:Servers:Tls").Bind(serverTls);
        if (serverTls.Problem() is { } tlsProblem)
            throw new InvalidOperationException($"MySqlHa:Servers:Tls: {tlsProblem}.");

        var webhooks = new WebhookOptions();
        configuration.GetSection("MySqlHa:Webhooks").Bind(webhooks);
        if (webhooks.PollInterval < TimeSpan.FromMilliseconds(10) || webhooks.AttemptTimeout <= TimeSpan.Zero || webhooks.FirstRetryDelay <= TimeSpan.Zero
            || webhooks.MaxRetryDelay < webhooks.FirstRetryDelay || webhooks.PauseAfterFailingFor <= TimeSpan.Zero)
            throw new InvalidOperationException(
                "MySqlHa:Webhooks: PollInterval must be at least 10 ms, AttemptTimeout, FirstRetryDelay and PauseAfterFailingFor positive, MaxRetryDelay at least FirstRetryDelay.");
        if (webhooks.PauseAfterFailures < 1)
            throw new InvalidOperationException("MySqlHa:Webhooks:PauseAfterFailures must be at least 1.");

        var backupRepository = configuration["MySqlHa:Backups:Repository"] ?? "";
        if (backupRepository.Length > 0 && !Path.IsPathFullyQualified(backupRepository))
            throw new InvalidOperationException($"MySqlHa:Backups:Repository '{backupRepository}' is not an absolute path.");

        return new MySqlHaSettings(postgres, schema, etcd, durability, probeTimeout, monitor, election, agents, failover, auth, secretsFolder, serverTls, webhooks,
            backupRepository);
    }
}
