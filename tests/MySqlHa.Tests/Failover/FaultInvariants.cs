using MySqlConnector;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Failover;

/// <summary>What must hold after every fault, whatever the fault was.</summary>
public static class FaultInvariants
{
    /// <summary>
    /// Every acknowledged write is on the final master (unless <paramref name="lossless"/> is false: asynchronous
    /// replication loses what the dead master acknowledged and shipped to no one, and then the loss is only reported);
    /// its replicas have the same GTID position and checksum (no errant transactions, nothing lost between them); never
    /// two writable servers after <paramref name="fencingDeadline"/>, and from then on only the final master acknowledges
    /// writes and none is refused as read-only (the last fault's time, or MinValue when the master never changed).
    /// Reports the outcomes and the longest write gap.
    /// </summary>
    public static async Task AssertAsync(string master, IReadOnlyList<string> replicas, WriteLoad load, WritableObserver observer,
        DateTimeOffset fencingDeadline, ITestOutputHelper output, bool lossless = true)
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
            Assert.True(await ReachesAsync(replica, position!, TimeSpan.FromSeconds(20)),
                $"{replica} did not reach the master's position {position}: {await ReplicaStatusAsync(replica)}");
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
        if (lossless) Assert.Empty(lost);
        // After the fencing deadline only the final master acknowledges writes, and the proxy sends none to a read-only server.
        Assert.DoesNotContain(attempts, a => a.At > fencingDeadline && a.Outcome == WriteOutcome.Acknowledged && a.ServerPort != masterServer.Port);
        Assert.DoesNotContain(attempts, a => a.At > fencingDeadline && a.Error?.Contains("read-only", StringComparison.OrdinalIgnoreCase) == true);
        Assert.Empty(observer.TwoWritableSince(fencingDeadline));
    }

    private static async Task<bool> ReachesAsync(string replica, string position, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (await SandboxReplication.ScalarAsync<long>(FailoverRig.Server(replica), $"SELECT MASTER_GTID_WAIT('{position}', 1)") != 0)
            if (DateTime.UtcNow > deadline) return false;
        return true;
    }

    private static async Task<string> ReplicaStatusAsync(string replica)
    {
        await using var connection = await SandboxReplication.OpenAsync(FailoverRig.Server(replica));
        await using var reader = await new MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return "not replicating";
        return string.Join(", ", new[] { "Master_Port", "Slave_IO_Running", "Slave_SQL_Running", "Last_IO_Error", "Last_SQL_Error", "Gtid_IO_Pos" }
            .Select(column => $"{column}={reader[column]}"));
    }

    private static async Task<long> ChecksumAsync(string instance)
    {
        await using var connection = await SandboxReplication.OpenAsync(FailoverRig.Server(instance));
        await using var reader = await new MySqlCommand($"CHECKSUM TABLE {WriteLoad.Table}", connection).ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(1);
    }
}
