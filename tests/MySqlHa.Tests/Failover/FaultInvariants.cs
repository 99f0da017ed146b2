using MySqlConnector;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Failover;

/// <summary>What must hold after every fault, whatever the fault was.</summary>
public static class FaultInvariants
{
    /// <summary>
    /// Every acknowledged write is on the final master; its replicas have the same GTID position and checksum (no
    /// errant transactions, nothing lost between them); never two writable servers after <paramref name="fencingDeadline"/>.
    /// Reports the outcomes and the longest time without an acknowledged write.
    /// </summary>
    public static async Task AssertAsync(string master, IReadOnlyList<string> replicas, WriteLoad load, WritableObserver observer,
        DateTimeOffset fencingDeadline, ITestOutputHelper output)
    {
        await load.StopAsync();
        var masterServer = FailoverRig.Server(master);
        var onMaster = new HashSet<long>();
        await using (var connection = await SandboxReplication.OpenAsync(masterServer))
        await using (var reader = await new MySqlCommand($"SELECT id FROM {WriteLoad.Table}", connection).ExecuteReaderAsync())
            while (await reader.ReadAsync()) onMaster.Add(reader.GetInt64(0));
        var lost = load.Acknowledged.Where(id => !onMaster.Contains(id)).ToList();

        var position = await SandboxReplication.ScalarAsync<string>(masterServer, "SELECT @@gtid_binlog_pos");
        var checksum = await ChecksumAsync(master);
        foreach (var replica in replicas)
        {
            var reached = await SandboxReplication.ScalarAsync<long>(FailoverRig.Server(replica), $"SELECT MASTER_GTID_WAIT('{position}', 20)");
            Assert.True(reached == 0, $"{replica} did not reach the master's position {position}");
            Assert.Equal(position, await SandboxReplication.ScalarAsync<string>(FailoverRig.Server(replica), "SELECT @@gtid_binlog_pos"));
            Assert.Equal(checksum, await ChecksumAsync(replica));
        }

        var attempts = load.Attempts;
        var (gap, from) = load.LongestGap();
        output.WriteLine($"writes: {attempts.Count(a => a.Outcome == WriteOutcome.Acknowledged)} acknowledged, " +
            $"{attempts.Count(a => a.Outcome == WriteOutcome.Failed)} failed, {attempts.Count(a => a.Outcome == WriteOutcome.Unknown)} unknown, " +
            $"{lost.Count} acknowledged but lost; longest gap {gap.TotalMilliseconds:0} ms from {from:HH:mm:ss.fff}");
        foreach (var reason in attempts.Where(a => a.Error is not null).GroupBy(a => (a.Outcome, a.Error)).OrderByDescending(g => g.Count()).Take(3))
            output.WriteLine($"  {reason.Count()} x {reason.Key.Outcome}: {reason.Key.Error}");
        Assert.Empty(lost);
        Assert.Empty(observer.TwoWritableSince(fencingDeadline));
    }

    private static async Task<long> ChecksumAsync(string instance)
    {
        await using var connection = await SandboxReplication.OpenAsync(FailoverRig.Server(instance));
        await using var reader = await new MySqlCommand($"CHECKSUM TABLE {WriteLoad.Table}", connection).ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(1);
    }
}
