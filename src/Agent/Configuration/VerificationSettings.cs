namespace MySqlHa.Agent.Configuration;

/// <summary>
/// What backup verification needs: the folder scratch servers are prepared and started in (default: "verify" in the
/// agent's state folder; every folder above it must be passable by <see cref="User"/>), the server program, and the
/// operating-system user the scratch server runs as when the agent runs as root (mariadbd refuses to run as root).
/// </summary>
public sealed record VerificationSettings(string ScratchFolder, string Server, string User)
{
    public const string DefaultServer = "/usr/sbin/mariadbd";
    public const string DefaultUser = "mysql";

    public static VerificationSettings From(IConfiguration configuration, string stateDirectory, BackupSettings backup, List<string> problems)
    {
        string? Setting(string key) => string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
        var scratch = Setting("Verification:ScratchFolder") ?? Path.Combine(stateDirectory, "verify");
        if (stateDirectory.Length > 0 && !Path.IsPathFullyQualified(scratch))
            problems.Add($"Verification:ScratchFolder '{scratch}' must be an absolute path");
        var server = Setting("Verification:Server") ?? DefaultServer;
        // Like the backup tools, the server program matters only to an agent that has backups to verify.
        if (backup.Repository is not null && !(Path.IsPathFullyQualified(server) && File.Exists(server)))
            problems.Add($"Verification:Server: '{server}' is not an absolute path to an existing program");
        var user = Setting("Verification:User") ?? DefaultUser;
        return new VerificationSettings(Path.TrimEndingDirectorySeparator(scratch), server, user);
    }
}
