using System.Diagnostics;

namespace MySqlHa.Tests.Failover;

/// <summary>
/// A network partition on loopback only, by iptables' owner match: TCP from processes running as root (the
/// controller, the agents, the proxy, the tests) to one port is refused, while the servers, which run as the mysql
/// user, keep replicating. Disposing heals it.
/// </summary>
public sealed class LoopbackPartition : IDisposable
{
    private readonly string[] _rule;

    private LoopbackPartition(int port)
    {
        _rule = ["OUTPUT", "-p", "tcp", "-d", "127.0.0.1", "--dport", port.ToString(), "-m", "owner", "--uid-owner", "0",
            "-m", "comment", "--comment", "mysqlha-test-partition", "-j", "REJECT", "--reject-with", "tcp-reset"];
        Iptables("-I", _rule);
    }

    public static LoopbackPartition CutOffRootFrom(int port) => new(port);

    public void Dispose() => Iptables("-D", _rule);

    private static void Iptables(string action, string[] rule)
    {
        using var process = Process.Start(new ProcessStartInfo("iptables", [action, .. rule]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"iptables {action} failed ({process.ExitCode}): {error} (the partition tests need root and iptables)");
    }
}
