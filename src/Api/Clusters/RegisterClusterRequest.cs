using System.Text.RegularExpressions;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;

namespace MySqlHa.Api.Clusters;

/// <summary>A server of the cluster. Name defaults to host:port.</summary>
public sealed record InstanceRequest(string? Name, string? Host, int Port);

/// <summary>A user and the name of the secret that holds its password, from the Api's secrets folder (MySqlHa:Secrets:Folder) or environment.</summary>
public sealed record CredentialsRequest(string? User, string? Secret);

public sealed record RegisterClusterRequest(
    string? Name,
    string? Flavor,
    IReadOnlyList<InstanceRequest>? Instances,
    CredentialsRequest? AdminCredentials,
    CredentialsRequest? ReplicationCredentials)
{
    /// <summary>Cluster names become etcd key segments and proxy labels, so they are kept to a safe alphabet.</summary>
    private static readonly Regex NamePattern = new("^[a-z0-9][a-z0-9_-]{0,62}$", RegexOptions.Compiled);

    /// <summary>Checks the request's shape; every problem is reported against the field that has it.</summary>
    public Dictionary<string, string[]> Validate(ISecretSource secrets)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message];

        if (string.IsNullOrWhiteSpace(Name)) Add("name", "A cluster name is required.");
        else if (!NamePattern.IsMatch(Name)) Add("name", "Use 1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or digit.");

        if (!DatabaseFlavorNames.TryParse(Flavor, out _)) Add("flavor", $"'{Flavor}' is not a known flavor; use 'mariadb' or 'mysql'.");

        if (Instances is null || Instances.Count == 0) Add("instances", "At least one instance is required.");
        else
        {
            for (var i = 0; i < Instances.Count; i++)
            {
                var instance = Instances[i];
                if (string.IsNullOrWhiteSpace(instance.Host)) Add($"instances[{i}].host", "A host is required.");
                if (instance.Port is < 1 or > 65535) Add($"instances[{i}].port", $"{instance.Port} is not a TCP port.");
                if (instance.Name is not null && !NamePattern.IsMatch(instance.Name))
                    Add($"instances[{i}].name", "Use 1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or digit.");
            }
            foreach (var repeated in Instances.Select((instance, i) => (Key: InstanceName(instance), i)).GroupBy(x => x.Key).Where(g => g.Count() > 1))
                Add($"instances[{repeated.Last().i}].name", $"'{repeated.Key}' is used by more than one instance.");
            foreach (var repeated in Instances.Select((instance, i) => (Key: $"{instance.Host}:{instance.Port}", i)).GroupBy(x => x.Key).Where(g => g.Count() > 1))
                Add($"instances[{repeated.Last().i}]", $"{repeated.Key} is listed more than once.");
        }

        ValidateCredentials(AdminCredentials, "adminCredentials", required: true, secrets, Add);
        ValidateCredentials(ReplicationCredentials, "replicationCredentials", required: false, secrets, Add);
        return errors;
    }

    public DatabaseFlavor ParsedFlavor => DatabaseFlavorNames.TryParse(Flavor, out var flavor) ? flavor
        : throw new InvalidOperationException("Validate() first.");

    public IReadOnlyList<NamedEndpoint> Members =>
        Instances!.Select(i => new NamedEndpoint(InstanceName(i), new ServerEndpoint(i.Host!.Trim(), i.Port))).ToList();

    public ServerCredentials Admin => new(AdminCredentials!.User!, AdminCredentials.Secret!);

    public ServerCredentials? Replication =>
        ReplicationCredentials is null ? null : new(ReplicationCredentials.User!, ReplicationCredentials.Secret!);

    private static string InstanceName(InstanceRequest instance) =>
        instance.Name ?? $"{instance.Host?.Trim()}:{instance.Port}";

    private static void ValidateCredentials(CredentialsRequest? credentials, string field, bool required, ISecretSource secrets, Action<string, string> add)
    {
        if (credentials is null)
        {
            if (required) add(field, "Credentials are required.");
            return;
        }
        if (string.IsNullOrWhiteSpace(credentials.User)) add($"{field}.user", "A user is required.");
        if (secrets.Problem(credentials.Secret ?? "") is { } problem)
            add($"{field}.secret", $"The secret cannot be used: {problem}.");
    }
}
