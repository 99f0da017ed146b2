using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Configuration;

/// <summary>
/// Everything the agent needs, from its configuration file (--config, or agent.json beside it) and the environment
/// (MYSQLHA_AGENT_ prefix, "__" between levels). Checked once at start; every problem is reported at once.
/// </summary>
public sealed record AgentSettings(
    string Cluster,
    string Instance,
    ServerEndpoint Server,
    ServerCredentials AdminCredentials,
    EtcdOptions Etcd,
    TimeSpan LeaseTtl,
    TimeSpan HealthInterval,
    string AdvertisedUrl,
    string Token,
    ServerCredentials? ReplicationCredentials,
    string StateDirectory,
    IReadOnlyList<string> AllowedCommands,
    BackupSettings Backup)
{
    public ArchiveSettings Archive { get; init; } = ArchiveSettings.Disabled;

    public VerificationSettings Verification { get; init; } = new(Path.Combine(StateDirectory, "verify"), VerificationSettings.DefaultServer,
        VerificationSettings.DefaultUser);

    /// <summary>
    /// Whether a fence may kill (SIGKILL) a mysqld whose process is stopped (SIGSTOP, a debugger) to prove it can no
    /// longer write: such a process serves nothing, yet would resume writable beside the new master once continued.
    /// </summary>
    public bool KillStoppedMysqld { get; init; } = true;

    public static AgentSettings From(IConfiguration configuration)
    {
        var problems = new List<string>();
        string Required(string key)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value)) problems.Add($"{key} is required");
            return value?.Trim() ?? "";
        }

        var cluster = Required("Cluster");
        var instance = Required("Instance");
        var host = Required("Server:Host");
        var port = configuration.GetValue("Server:Port", 3306);
        if (port is < 1 or > 65535) problems.Add($"Server:Port {port} is not a TCP port");
        var credentials = new ServerCredentials(Required("Server:User"), Required("Server:PasswordFile"));
        if (credentials.Secret.Length > 0 && SecretFiles.ProblemWithFile(credentials.Secret) is { } passwordProblem)
            problems.Add($"Server:PasswordFile: {passwordProblem}");

        var etcd = new EtcdOptions();
        configuration.GetSection("Etcd").Bind(etcd);
        if (etcd.Problem() is { } etcdProblem) problems.Add($"Etcd: {etcdProblem}");

        var leaseTtl = configuration.GetValue("LeaseTtl", TimeSpan.FromSeconds(3));
        if (leaseTtl < TimeSpan.FromSeconds(1)) problems.Add("LeaseTtl must be at least 1 second (etcd counts in whole seconds)");
        var healthInterval = configuration.GetValue("HealthInterval", TimeSpan.FromSeconds(1));
        if (healthInterval <= TimeSpan.Zero || healthInterval >= leaseTtl) problems.Add("HealthInterval must be positive and shorter than LeaseTtl");
        var advertised = Required("AdvertisedUrl");
        foreach (var (name, value) in new[] { ("Cluster", cluster), ("Instance", instance) })
            if (value.Contains('/')) problems.Add($"{name} '{value}' cannot contain '/'");

        var token = ReadToken(Required("TokenFile"), problems);

        ServerCredentials? replication = null;
        if (configuration["Replication:User"] is { Length: > 0 } replicationUser)
        {
            replication = new ServerCredentials(replicationUser, configuration["Replication:PasswordFile"] ?? "");
            if (SecretFiles.ProblemWithFile(replication.Secret) is { } replicationProblem) problems.Add($"Replication:PasswordFile: {replicationProblem}");
        }

        // The newest fencing token and the command journal must outlive the process: without them a restarted agent
        // would take a deposed controller's commands, and run a retried command a second time.
        var stateDirectory = Required("StateDirectory");
        if (stateDirectory.Length > 0 && !Path.IsPathFullyQualified(stateDirectory))
            problems.Add($"StateDirectory '{stateDirectory}' must be an absolute path");
        var allowed = configuration.GetSection("AllowedCommands").GetChildren().Select(c => c.Value ?? "").ToList();
        foreach (var command in allowed.Where(c => !Path.IsPathFullyQualified(c) || !File.Exists(c)))
            problems.Add($"AllowedCommands: '{command}' is not an absolute path to an existing program");

        var backup = BackupSettings.From(configuration, problems);
        var archive = ArchiveSettings.From(configuration, cluster, instance, backup, problems);
        var verification = VerificationSettings.From(configuration, stateDirectory, backup, problems);

        if (problems.Count > 0)
            throw new AgentConfigurationException(problems);
        return new AgentSettings(cluster, instance, new ServerEndpoint(host, port), credentials, etcd, leaseTtl, healthInterval,
            advertised, token, replication, stateDirectory, allowed, backup)
        {
            Archive = archive, Verification = verification, KillStoppedMysqld = configuration.GetValue("Fencing:KillStoppedMysqld", true),
        };
    }

    /// <summary>The shared secret callers must present; at least 16 characters, so that it cannot be guessed.</summary>
    private static string ReadToken(string tokenFile, List<string> problems)
    {
        if (tokenFile.Length == 0) return "";
        if (SecretFiles.ProblemWithFile(tokenFile) is { } problem)
        {
            problems.Add($"TokenFile: {problem}");
            return "";
        }
        var token = File.ReadAllText(tokenFile).Trim();
        if (token.Length < 16) problems.Add("TokenFile: the token must be at least 16 characters long");
        return token;
    }
}

public sealed class AgentConfigurationException(IReadOnlyList<string> problems)
    : Exception("The agent's configuration is not usable:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
