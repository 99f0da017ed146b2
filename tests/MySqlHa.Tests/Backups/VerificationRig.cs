using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>What the verification tests look at: a backup's last verification, a server's tables as the source holds them, and what a verification may leave behind.</summary>
internal static class VerificationRig
{
    /// <summary>Waits until the backup's last verification (<paramref name="verification"/>, or any, when null) has ended; answers it.</summary>
    public static async Task<JsonNode> WaitForVerificationEndAsync(this BackupRig rig, Guid backup, Guid? verification, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var last = (await rig.BackupAsync(backup))["lastVerification"];
            if (last is not null && (verification is null || (string?)last["verificationId"] == verification.ToString()) && (string?)last["state"] != "running")
                return last;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"backup {backup}'s verification has not ended: {last}");
            await Task.Delay(500);
        }
    }

    /// <summary>"schema.table rows checksum" for every user table of <paramref name="server"/>, computed there with COUNT(*) and CHECKSUM TABLE.</summary>
    public static async Task<List<string>> TablesAsync(ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        var names = new List<string>();
        await using (var reader = await new MySqlCommand("""
                         SELECT CONCAT('`', table_schema, '`.`', table_name, '`'), CONCAT(table_schema, '.', table_name) FROM information_schema.tables
                         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema')
                         ORDER BY table_schema, table_name
                         """, connection).ExecuteReaderAsync())
            while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        var tables = new List<string>();
        foreach (var name in names)
        {
            var rows = Convert.ToInt64(await new MySqlCommand($"SELECT COUNT(*) FROM {name}", connection).ExecuteScalarAsync());
            await using var reader = await new MySqlCommand($"CHECKSUM TABLE {name}", connection).ExecuteReaderAsync();
            await reader.ReadAsync();
            tables.Add($"{name.Replace("`", "")} {rows} {Convert.ToInt64(reader.GetValue(1))}");
        }
        return tables;
    }

    /// <summary>The same lines from a verification's answer.</summary>
    public static List<string> TablesOf(JsonNode verification) =>
        verification["tables"]!.AsArray().Select(t => $"{t!["schema"]}.{t["table"]} {t["rows"]} {t["checksum"]}").ToList();

    /// <summary>Scratch folders the agents still hold, and scratch servers still running (their command lines name an agent's scratch folder).</summary>
    public static (List<string> Folders, List<string> Servers) Leftovers(this BackupRig rig)
    {
        var scratch = rig.Agents.Select(a => Path.Combine(a.StateDirectory, "verify")).ToList();
        var folders = scratch.Where(Directory.Exists).SelectMany(Directory.EnumerateFileSystemEntries).ToList();
        var servers = new List<string>();
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            if (scratch.Any(folder => commandLine.Contains(folder, StringComparison.Ordinal))) servers.Add(commandLine);
        }
        return (folders, servers);
    }
}
