using MySqlHa.Replication.Servers;

namespace MySqlHa.Tests.Sandbox;

/// <summary>
/// Where the sandbox started by scripts/env.sh listens. Each value comes from the environment first
/// (MYSQLHA_POSTGRES, MYSQLHA_ETCD, ...) and otherwise from the sandbox.env file that env.sh writes.
/// </summary>
public sealed class SandboxSettings
{
    private static readonly Lazy<SandboxSettings> Loaded = new(Load);
    private readonly IReadOnlyDictionary<string, string> _values;

    private SandboxSettings(IReadOnlyDictionary<string, string> values) => _values = values;

    public static SandboxSettings Current => Loaded.Value;

    public string Postgres => Get("MYSQLHA_POSTGRES");

    public string Etcd => Get("MYSQLHA_ETCD");

    public IReadOnlyList<ServerEndpoint> MariaDb =>
        Get("MYSQLHA_MARIADB_PORTS").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(port => new ServerEndpoint("127.0.0.1", int.Parse(port))).ToList();

    public ServerCredentials Admin => new(Get("MYSQLHA_MARIADB_ADMIN_USER"), Get("MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE"));

    public ServerCredentials Replication => new(Get("MYSQLHA_MARIADB_REPL_USER"), Get("MYSQLHA_MARIADB_REPL_PASSWORD_FILE"));

    /// <summary>The folder of secrets the tests' Api is configured with: the MariaDB passwords, by file name.</summary>
    public string ApiSecrets => Get("MYSQLHA_API_SECRETS");

    /// <summary>The CA that signed the certificate every sandbox MariaDB server presents.</summary>
    public string MariaDbCa => Get("MYSQLHA_MARIADB_CA");

    public string EnvScript => Path.Combine(RepositoryRoot(), "scripts", "env.sh");

    public string SandboxFolder => Get("MYSQLHA_SANDBOX");

    private string Get(string key) =>
        Environment.GetEnvironmentVariable(key) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : _values.TryGetValue(key, out var value) ? value
        : throw new InvalidOperationException($"{key} is not set and the sandbox does not provide it: run scripts/env.sh up first.");

    private static SandboxSettings Load()
    {
        var file = Environment.GetEnvironmentVariable("MYSQLHA_SANDBOX") is { Length: > 0 } sandbox
            ? Path.Combine(sandbox, "sandbox.env")
            : Path.Combine(RepositoryRoot(), ".sandbox", "sandbox.env");
        if (!File.Exists(file)) return new SandboxSettings(new Dictionary<string, string>());
        var values = File.ReadAllLines(file)
            .Where(line => line.Contains('=') && !line.TrimStart().StartsWith('#'))
            .Select(line => (Key: line[..line.IndexOf('=')], Value: line[(line.IndexOf('=') + 1)..].Trim('\'')))
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        return new SandboxSettings(values);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "MySqlHa.sln"))) return directory.FullName;
        throw new InvalidOperationException("Cannot find MySqlHa.sln above " + AppContext.BaseDirectory);
    }
}
