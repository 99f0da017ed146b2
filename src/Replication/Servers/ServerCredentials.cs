namespace MySqlHa.Replication.Servers;

/// <summary>
/// A user and a reference to the file holding its password. Only the reference travels through requests, logs and
/// events; the password is read from the file at the moment a connection is opened.
/// </summary>
public sealed record ServerCredentials(string User, string PasswordFile)
{
    public string ReadPassword()
    {
        try
        {
            return File.ReadAllText(PasswordFile).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialsUnavailableException(PasswordFile, e.Message, e);
        }
    }

    /// <summary>Why the password file cannot be used, or null when it can.</summary>
    public string? ProblemWithPasswordFile()
    {
        if (string.IsNullOrWhiteSpace(PasswordFile)) return "a password file is required";
        if (!Path.IsPathFullyQualified(PasswordFile)) return $"'{PasswordFile}' is not an absolute path";
        if (!File.Exists(PasswordFile)) return $"'{PasswordFile}' does not exist";
        try
        {
            using var stream = File.OpenRead(PasswordFile);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"'{PasswordFile}' cannot be read: {e.Message}";
        }
    }
}

public sealed class CredentialsUnavailableException(string passwordFile, string reason, Exception inner)
    : Exception($"The password file '{passwordFile}' cannot be read: {reason}", inner);
