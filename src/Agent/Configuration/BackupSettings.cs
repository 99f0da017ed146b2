namespace MySqlHa.Agent.Configuration;

/// <summary>
/// What backup and restore jobs need, apart from the rest of the agent's settings. Without
/// <see cref="Repository"/> the agent takes no backups (its job endpoints answer 503 with the reason); restores
/// need the server's own option file, data folder and start command besides, since the agent puts the data in
/// place and starts mysqld itself. Every program is an absolute path checked at start: the agent runs them
/// through fixed argument templates, never through a shell.
/// </summary>
public sealed record BackupSettings(
    string? Repository,
    string Tool,
    string StreamTool,
    string Zstd,
    string BinlogTool,
    string Client,
    string? DefaultsFile,
    string? DataDirectory,
    IReadOnlyList<string> StartCommand,
    TimeSpan StartTimeout)
{
    public const string DefaultTool = "/usr/bin/mariadb-backup";
    public const string DefaultStreamTool = "/usr/bin/mbstream";
    public const string DefaultZstd = "/usr/bin/zstd";
    public const string DefaultBinlogTool = "/usr/bin/mariadb-binlog";
    public const string DefaultClient = "/usr/bin/mariadb";

    /// <summary>
    /// Long enough for InnoDB's crash recovery on a restored data folder of some size; a server that has not
    /// answered by then is reported, and the data folder emptied again.
    /// </summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Why the agent takes no backups, or null when it does.</summary>
    public string? Unavailable => Repository is null ? "The agent has no Backup:Repository configured, so it runs no backup or restore jobs." : null;

    /// <summary>Why the agent cannot restore, or null when it can.</summary>
    public string? RestoreUnavailable =>
        Unavailable ?? (DefaultsFile, DataDirectory, StartCommand) switch
        {
            (null, _, _) => "The agent has no Server:DefaultsFile configured (the server's own option file), so it cannot restore.",
            (_, null, _) => "The agent has no Server:DataDirectory configured, so it cannot restore.",
            (_, _, []) => "The agent has no Server:StartCommand configured, so it cannot start a restored server.",
            _ => null,
        };

    public static BackupSettings From(IConfiguration configuration, List<string> problems)
    {
        var repository = Trimmed(configuration["Backup:Repository"]);
        if (repository is not null && !Path.IsPathFullyQualified(repository))
            problems.Add($"Backup:Repository '{repository}' must be an absolute path");
        var tool = Trimmed(configuration["Backup:Tool"]) ?? DefaultTool;
        var streamTool = Trimmed(configuration["Backup:StreamTool"]) ?? DefaultStreamTool;
        var zstd = Trimmed(configuration["Backup:Zstd"]) ?? DefaultZstd;
        var binlogTool = Trimmed(configuration["Backup:BinlogTool"]) ?? DefaultBinlogTool;
        var client = Trimmed(configuration["Backup:Client"]) ?? DefaultClient;
        // The tools matter only to an agent that takes backups: an agent without a repository starts without them.
        if (repository is not null)
            foreach (var (key, program) in new[]
                     {
                         ("Backup:Tool", tool), ("Backup:StreamTool", streamTool), ("Backup:Zstd", zstd), ("Backup:BinlogTool", binlogTool), ("Backup:Client", client),
                     })
                if (ProgramProblem(program) is { } problem) problems.Add($"{key}: {problem}");

        var defaultsFile = Trimmed(configuration["Server:DefaultsFile"]);
        if (defaultsFile is not null && (!Path.IsPathFullyQualified(defaultsFile) || !File.Exists(defaultsFile)))
            problems.Add($"Server:DefaultsFile '{defaultsFile}' is not an absolute path to an existing file");
        var dataDirectory = Trimmed(configuration["Server:DataDirectory"]);
        if (dataDirectory is not null && (!Path.IsPathFullyQualified(dataDirectory) || Path.GetFullPath(dataDirectory) == "/"))
            problems.Add($"Server:DataDirectory '{dataDirectory}' must be an absolute path below the root");
        var startCommand = configuration.GetSection("Server:StartCommand").GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var index) ? index : int.MaxValue).Select(c => c.Value ?? "").ToList();
        if (startCommand is [var startProgram, ..] && ProgramProblem(startProgram) is { } startProblem)
            problems.Add($"Server:StartCommand: {startProblem}");
        var startTimeout = configuration.GetValue("Backup:StartTimeout", DefaultStartTimeout);
        if (startTimeout <= TimeSpan.Zero) problems.Add("Backup:StartTimeout must be positive");

        return new BackupSettings(repository is null ? null : Path.GetFullPath(repository), tool, streamTool, zstd, binlogTool, client, defaultsFile,
            dataDirectory is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory)), startCommand, startTimeout);
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? ProgramProblem(string program) =>
        Path.IsPathFullyQualified(program) && File.Exists(program) ? null : $"'{program}' is not an absolute path to an existing program";
}
