using System.Globalization;

namespace MySqlHa.Agent.Registration;

/// <summary>
/// Whether a socket listens on a TCP port on this host, read from the kernel's tables (Linux: /proc/net/tcp and tcp6,
/// state 0A) without connecting: cheap enough to read often, and it tells a mysqld whose process is gone (its
/// listening socket closed with it) from one that is hung (the socket stays).
/// </summary>
internal static class LocalListener
{
    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    public static bool IsListening(int port)
    {
        // Without the kernel's table nothing is proven: say a process may still be there.
        if (!Tables.Any(File.Exists)) return true;
        return ListeningSockets(port).Any();
    }

    /// <summary>
    /// The process holding the socket that listens on the port: the socket's inode from the kernel's table, found among
    /// the processes' open files (/proc/{pid}/fd, readable for processes of other users by root only). Null when
    /// nothing listens or its holder cannot be seen.
    /// </summary>
    public static int? OwnerOf(int port)
    {
        var sockets = ListeningSockets(port).Select(inode => $"socket:[{inode}]").ToHashSet();
        if (sockets.Count == 0) return null;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(process), out var pid) && HoldsAny(process, sockets))
                return pid;
        return null;
    }

    /// <summary>The inodes of the sockets listening on the port, from each line's fields: local address, state, inode.</summary>
    private static IEnumerable<string> ListeningSockets(int port) =>
        Tables.Where(File.Exists).SelectMany(File.ReadLines).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 9 && fields[3] == "0A" && fields[1].Split(':') is [_, var hex]
                && int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var local) && local == port)
            .Select(fields => fields[9]);

    private static bool HoldsAny(string process, HashSet<string> sockets)
    {
        try
        {
            return Directory.EnumerateFiles(Path.Combine(process, "fd")).Any(fd => new FileInfo(fd).LinkTarget is { } target && sockets.Contains(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended while it was read, or belongs to a user this agent may not look into.
            return false;
        }
    }
}
