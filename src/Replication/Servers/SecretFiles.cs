namespace MySqlHa.Replication.Servers;

/// <summary>Secrets as files named by absolute path: how an agent reads the credentials its own configuration names.</summary>
public sealed class SecretFiles : ISecretSource
{
    public string Read(string reference)
    {
        try
        {
            return File.ReadAllText(reference).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialsUnavailableException(reference, e.Message, e);
        }
    }

    public string? Problem(string reference) => ProblemWithFile(reference);

    /// <summary>Why the file at <paramref name="path"/> cannot be read as a secret, or null when it can.</summary>
    public static string? ProblemWithFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "a file is required";
        if (!Path.IsPathFullyQualified(path)) return $"'{path}' is not an absolute path";
        if (!File.Exists(path)) return $"'{path}' does not exist";
        try
        {
            using var stream = File.OpenRead(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be read: {e.Message}";
        }
    }
}
