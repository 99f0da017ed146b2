using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// A backup cut short by a process that dies: the Api (the saga resumes and follows the same job to its end), or
/// the agent that runs it (the job is reported failed after the agent's restart, and the backup fails leaving nothing).
/// The backup is held at its first stage by BACKUP STAGE START on its replica, so that the kill surely comes mid-backup.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class BackupDurabilityTests : IAsyncLifetime
{
    private BackupRig _rig = null!;

    public async Task InitializeAsync() => _rig = await BackupRig.StartAsync("backup-crash", "db2");

    public Task DisposeAsync()
    {
        _rig.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_api_killed_mid_backup_is_replaced_by_one_that_follows_the_same_job_to_its_end()
    {
        Guid backup;
        await using (var hold = await BackupStageHold.OnAsync(SandboxReplication.Replicas[0]))
        {
            backup = await _rig.StartedBackupAsync(new { });
            await WaitForEventAsync(backup, "backup_job_accepted");
            await _rig.Agents[1].ChildProcessAsync("mariadb-backup", "--backup");
            await _rig.RestartApiAsync();
        }
        var ended = await _rig.WaitForBackupEndAsync(backup);

        Assert.True((string?)ended["state"] == "completed", ended.ToJsonString());
        var events = await _rig.EventsOfAsync(backup);
        Assert.Single(events, e => e == "backup_job_accepted");
        Assert.Single(events, e => e == "backup_completed");
        Assert.DoesNotContain(_rig.RepositoryFiles(), f => f.Contains(".partial-"));
    }

    [Fact]
    public async Task A_backup_whose_agent_is_killed_fails_cleanly_with_its_partial_files_removed_and_frees_the_cluster()
    {
        Guid backup;
        await using (var hold = await BackupStageHold.OnAsync(SandboxReplication.Replicas[0]))
        {
            backup = await _rig.StartedBackupAsync(new { });
            await WaitForEventAsync(backup, "backup_job_accepted");
            await _rig.Agents[1].ChildProcessAsync("mariadb-backup", "--backup");
            // zstd creates the partial file when it opens its output, which may be a moment after the tool starts.
            await WaitUntilAsync(() => Task.FromResult(_rig.RepositoryFiles().Any(f => f.Contains(".partial-"))), "no partial file appeared");
            await _rig.RestartAgentAsync(2);
        }
        var ended = await _rig.WaitForBackupEndAsync(backup);

        Assert.True((string?)ended["state"] == "failed", ended.ToJsonString());
        Assert.Contains("the agent stopped during the job", (string?)ended["failure"]);
        Assert.Empty(_rig.RepositoryFiles());
        // No tool of the killed agent's job (mariadb-backup, or the zstd writing into the repository) runs on.
        Assert.Empty(ProcessesNaming(backup.ToString("D")));
        // The slot is free: the next backup runs.
        var next = await _rig.StartedBackupAsync(new { });
        Assert.Equal("completed", (string?)(await _rig.WaitForBackupEndAsync(next))["state"]);
    }

    private Task WaitForEventAsync(Guid operation, string type) =>
        WaitUntilAsync(async () => (await _rig.EventsOfAsync(operation)).Contains(type), $"{operation} recorded no {type}");

    private static List<string> ProcessesNaming(string text) =>
        Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d => { try { return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' '); } catch (IOException) { return ""; } })
            .Where(commandLine => commandLine.Contains(text, StringComparison.Ordinal)).ToList();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(failure);
            await Task.Delay(100);
        }
    }
}
