namespace MySqlHa.Agent.Jobs;

/// <summary>
/// The tools of a job whose agent was killed alone (kill -9 of the agent, not of its process group) run on as orphans:
/// a mariadb-backup still holding its backup locks on the server, an mbstream still writing into a staging folder.
/// Every such tool names a folder of the job's own in its arguments (the work folder as --target-dir or -C, the
/// repository's backup folder in zstd's -o), so the agent finds them by that folder in /proc and ends them before it
/// cleans up after the job.
/// </summary>
internal static class OrphanedTools
{
    public static int Kill(string jobFolder)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc")) return 0;
        var killed = 0;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == Environment.ProcessId) continue;
            string commandLine;
            try
            {
                // Arguments are separated by NUL bytes; a path in any of them counts.
                commandLine = File.ReadAllText(Path.Combine(entry, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (!commandLine.Split('\0').Any(argument => argument.Contains(jobFolder, StringComparison.Ordinal))) continue;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(10));
                killed++;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended on its own meanwhile.
            }
        }
        return killed;
    }
}
