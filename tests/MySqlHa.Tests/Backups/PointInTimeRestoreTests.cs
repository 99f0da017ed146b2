using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// Point-in-time restores on the sandbox: a backup of a replica, writes on the master archived by the agents' binlog
/// archive, then the backup restored into an emptied server and the archive replayed to a time, or to a GTID.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class PointInTimeRestoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BackupRig _rig = null!;

    private static ServerEndpoint Db3 => SandboxSettings.Current.MariaDb[2];

    public async Task InitializeAsync() => _rig = await BackupRig.StartAsync("pitr", archive: true, "db2");

    public Task DisposeAsync()
    {
        _rig.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_restore_to_a_time_between_two_writes_holds_exactly_the_rows_committed_before_it_and_one_to_a_gtid_holds_them_up_to_it()
    {
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            "CREATE TABLE mysqlha_test.pitr (id INT AUTO_INCREMENT PRIMARY KEY, marker VARCHAR(8) NOT NULL)");
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "INSERT INTO mysqlha_test.pitr (marker) VALUES ('base')");
        var backup = await _rig.StartedBackupAsync(new { });
        Assert.Equal("completed", (string?)(await _rig.WaitForBackupEndAsync(backup))["state"]);

        // Binlogs stamp events in whole seconds: the two writes are seconds apart, the target between them.
        await WaitForNextSecondAsync();
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "INSERT INTO mysqlha_test.pitr (marker) VALUES ('before'), ('before')");
        var afterFirst = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_binlog_pos");
        var expected = await ChecksumAsync(SandboxReplication.Primary);
        await Task.Delay(1100);
        await WaitForNextSecondAsync();
        var target = DateTimeOffset.UtcNow;
        await Task.Delay(1100);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "UPDATE mysqlha_test.pitr SET marker = 'changed'; INSERT INTO mysqlha_test.pitr (marker) VALUES ('after')");
        var end = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_binlog_pos");
        await WaitForArchiveAsync(end!);

        // Refused, with nothing started: a time the archive has not reached, a GTID it does not hold, two targets, a clone to a time.
        RestorableServers.MakeEmptyTarget(3);
        Assert.Equal(409, (await StartRestoreAsync(new { instance = "db3", toTime = DateTimeOffset.UtcNow.AddHours(1) })).Status);
        var (unknown, problem) = await StartRestoreAsync(new { instance = "db3", toGtid = "0-1-999999" });
        Assert.True(unknown == 409 && ((string)problem!["detail"]!).Contains("unknown"), $"{unknown}: {problem}");
        Assert.Equal(400, (await StartRestoreAsync(new { instance = "db3", toLatest = true, toGtid = end })).Status);
        Assert.Equal(400, (await StartRestoreAsync(new { instance = "db3", mode = "clone", toTime = target })).Status);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(RestorableServers.ServerFolder(3), "data")));

        var toTime = await RestoreAsync(new { instance = "db3", toTime = target });
        Assert.Equal(expected, await ChecksumAsync(Db3));
        Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(Db3, "SELECT COUNT(*) FROM mysqlha_test.pitr WHERE marker IN ('after', 'changed')"));
        Assert.Equal(2, await SandboxReplication.ScalarAsync<long>(Db3, "SELECT COUNT(*) FROM mysqlha_test.pitr WHERE marker = 'before'"));
        Assert.Contains("binlogs_replayed", await _rig.EventsOfAsync(toTime));

        // Again, to the GTID of the first writes: the same rows, and the server's position is that GTID.
        RestorableServers.MakeEmptyTarget(3);
        await RestoreAsync(new { instance = "db3", toGtid = afterFirst });
        Assert.Equal(expected, await ChecksumAsync(Db3));
        Assert.Equal(afterFirst, await SandboxReplication.ScalarAsync<string>(Db3, "SELECT @@gtid_current_pos"));
    }

    private async Task<Guid> RestoreAsync(object body)
    {
        var (status, answer) = await StartRestoreAsync(body);
        Assert.True(status == 202, $"{status}: {answer}");
        var restore = Guid.Parse((string)answer!["restoreId"]!);
        var ended = await _rig.WaitForRestoreEndAsync(restore);
        output.WriteLine(ended.ToJsonString());
        Assert.True((string?)ended["state"] == "completed", ended.ToJsonString());
        return restore;
    }

    private async Task<(int Status, JsonNode? Body)> StartRestoreAsync(object body)
    {
        var response = await _rig.Client.Http.PostAsJsonAsync($"/api/clusters/{_rig.Cluster}/restores", body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Until the agent that archives reports the master's binlogs archived up to <paramref name="gtid"/>.</summary>
    private async Task WaitForArchiveAsync(string gtid)
    {
        var sequence = long.Parse(gtid.Split('-')[2]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (var agent in _rig.Agents)
            {
                var status = JsonNode.Parse(await agent.Http.GetStringAsync("/archive"))!;
                if (status["archived"]!.AsArray().Any(r => (long)r!["domain"]! == 0 && (long)r["last"]! >= sequence) && status["gaps"]!.AsArray().Count == 0) return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the archive does not reach {gtid}");
            await Task.Delay(200);
        }
    }

    private static async Task WaitForNextSecondAsync()
    {
        var now = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromTicks(TimeSpan.TicksPerSecond - now.Ticks % TimeSpan.TicksPerSecond) + TimeSpan.FromMilliseconds(50));
    }

    private static async Task<long> ChecksumAsync(ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlCommand("CHECKSUM TABLE mysqlha_test.pitr", connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetInt64(1);
    }
}
