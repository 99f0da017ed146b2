namespace MySqlHa.Agent.Registration;

/// <summary>
/// A process's scheduling state as Linux shows it in /proc/{pid}/stat: 'R' running, 'S' or 'D' sleeping, 'T' stopped
/// by a signal (SIGSTOP), 't' stopped by a debugger, 'Z' a zombie, 'X' dead.
/// </summary>
internal static class ProcessStat
{
    /// <summary>The state of a process of this host, or null when there is no such process (or it cannot be read).</summary>
    public static char? StateOf(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The state letter of a /proc/{pid}/stat line, or null when the line is not one.</summary>
    public static char? Parse(string stat)
    {
        // The state follows the command name in parentheses, which may itself hold spaces or parentheses.
        var afterName = stat.LastIndexOf(')') + 2;
        return afterName > 1 && afterName < stat.Length ? stat[afterName] : null;
    }

    /// <summary>Alive, not a zombie waiting for its parent (whose sockets are closed already).</summary>
    public static bool IsRunning(char? state) => state is not (null or 'Z' or 'X');

    /// <summary>Stopped (SIGSTOP, or paused by a debugger): it runs no code, so it serves no client, until resumed.</summary>
    public static bool IsStopped(char? state) => state is 'T' or 't';
}
