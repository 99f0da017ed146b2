using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// What an agent needs to restore into a sandbox server (its option file, data folder and a start command: env.sh
/// start-server pointed at this sandbox), and how a test makes a server a restore target: stopped, its data and binary
/// log folders emptied.
/// </summary>
public static class RestorableServers
{
    public static string ServerFolder(int number) => Path.Combine(SandboxSettings.Current.SandboxFolder, $"mariadb{number}");

    /// <summary>The agent settings for server <paramref name="number"/> (1-based) with the repository at <paramref name="repository"/>; the start script goes to <paramref name="scratch"/>.</summary>
    public static Dictionary<string, string?> AgentSettings(string repository, int number, string scratch) => new()
    {
        ["MYSQLHA_AGENT_Backup__Repository"] = repository,
        ["MYSQLHA_AGENT_Server__DefaultsFile"] = Path.Combine(ServerFolder(number), "my.cnf"),
        ["MYSQLHA_AGENT_Server__DataDirectory"] = Path.Combine(ServerFolder(number), "data"),
        ["MYSQLHA_AGENT_Server__StartCommand__0"] = "/bin/bash",
        ["MYSQLHA_AGENT_Server__StartCommand__1"] = StartScript(number, scratch),
    };

    /// <summary>Stops server <paramref name="number"/> and empties its data and binary log folders, as an operator prepares a restore target.</summary>
    public static void MakeEmptyTarget(int number)
    {
        SandboxReplication.StopServer(number);
        foreach (var folder in new[] { "data", "binlog" })
            foreach (var entry in new DirectoryInfo(Path.Combine(ServerFolder(number), folder)).EnumerateFileSystemInfos())
                if (entry is DirectoryInfo directory) directory.Delete(recursive: true); else entry.Delete();
    }

    private static string StartScript(int number, string scratch)
    {
        Directory.CreateDirectory(scratch);
        var script = Path.Combine(scratch, $"start-server-{number}.sh");
        File.WriteAllText(script, $"""
            #!/bin/bash
            export MYSQLHA_SANDBOX='{SandboxSettings.Current.SandboxFolder}'
            export MYSQLHA_MARIADB_PORTS='{string.Join(' ', SandboxSettings.Current.MariaDb.Select(s => s.Port))}'
            exec bash '{SandboxSettings.Current.EnvScript}' start-server {number}
            """);
        return script;
    }
}
