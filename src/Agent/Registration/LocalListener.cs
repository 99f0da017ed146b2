using System.Globalization;

namespace MySqlHa.Agent.Registration;

/// <summary>
/// Whether a socket listens on a TCP port on this host, read from the kernel's tables (Linux: /proc/net/tcp and tcp6,
/// state 0A) without connecting: cheap enough to read often, and it tells a mysqld whose process is gone (its
/// listening socket closed with it) from one that is hung (the socket stays).
/// </summary>
internal static class LocalListener
{
    public static bool IsListening(int port)
    {
        var files = new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).ToList();
        // Without the kernel's table nothing is proven: say a process may still be there.
        if (files.Count == 0) return true;
        return files.SelectMany(File.ReadLines).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 3 && fields[3] == "0A" && fields[1].Split(':') is [_, var hex]
                && int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var local) && local == port);
    }
}
