using System.Text.RegularExpressions;

namespace MySqlHa.Replication.Servers;

/// <summary>
/// Secrets by name, as the controller takes them from operators: a file directly inside the configured folder, else
/// the environment variable MYSQLHA_SECRET_&lt;NAME&gt; (upper case, '.' and '-' as '_'). A name is never a path, so an
/// operator can hand the controller only the secrets it was given, never another file of its host.
/// </summary>
public sealed partial class SecretFolder(string folder) : ISecretSource
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NamePattern();

    public string Read(string reference) =>
        FileOf(reference) is { } file ? new SecretFiles().Read(file)
        : Environment.GetEnvironmentVariable(VariableOf(reference)) is { Length: > 0 } value ? value
        : throw new CredentialsUnavailableException(reference, Problem(reference) ?? "it is gone");

    public string? Problem(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference)) return "a secret name is required";
        if (!NamePattern().IsMatch(reference) || reference.Contains(".."))
            return "a secret is named by 1 to 128 letters, digits, '.', '-' or '_' (a name, not a path)";
        if (FileOf(reference) is { } file) return new SecretFiles().Problem(file) is null ? null : $"the secret '{reference}' cannot be read";
        if (Environment.GetEnvironmentVariable(VariableOf(reference)) is { Length: > 0 }) return null;
        return $"no secret is named '{reference}'";
    }

    /// <summary>The secret's file when it is a regular file directly in the folder (a link leading elsewhere does not count).</summary>
    private string? FileOf(string name)
    {
        if (folder.Length == 0 || !NamePattern().IsMatch(name) || name.Contains("..")) return null;
        var file = new FileInfo(Path.Combine(folder, name));
        return file.Exists && file.LinkTarget is null && file.DirectoryName == Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)
            ? file.FullName : null;
    }

    private static string VariableOf(string name) => "MYSQLHA_SECRET_" + name.ToUpperInvariant().Replace('.', '_').Replace('-', '_');
}
