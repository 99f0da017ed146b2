using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// A master that dies holding transactions its replicas never received (injected: their receivers stopped first, as a
/// partition would under asynchronous replication) is failed over and fenced; after the new master has written too,
/// one call rejoins it: its extra transactions extracted for review, undone by flashback, and it replicates again; or,
/// when DDL among them keeps flashback from undoing them, rebuilt from the cluster's backup with its old data set aside.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class RejoinTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BackupRig _rig = null!;

    public async Task InitializeAsync() => _rig = await BackupRig.StartAsync("rejoin");

    public Task DisposeAsync()
    {
        _rig.Dispose();
        // A rebuild's evidence of the old data: kept for a DBA in production, in the sandbox's way here.
        foreach (var setAside in Directory.EnumerateDirectories(RestorableServers.ServerFolder(1), "data.diverged-*")) Directory.Delete(setAside, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_fenced_old_master_has_its_extra_transactions_extracted_undone_and_rejoins_as_a_replica_with_the_masters_checksum()
    {
        var db1 = SandboxReplication.Primary;
        await SandboxReplication.ExecuteAsync(db1,
            "CREATE TABLE mysqlha_test.accounts (id INT PRIMARY KEY, balance INT NOT NULL); INSERT INTO mysqlha_test.accounts VALUES (1, 100), (2, 200), (3, 300)");
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(30));
        foreach (var replica in SandboxReplication.Replicas) await SandboxReplication.ExecuteAsync(replica, "STOP SLAVE IO_THREAD");
        await SandboxReplication.ExecuteAsync(db1, "INSERT INTO mysqlha_test.accounts VALUES (4, 400)");
        await SandboxReplication.ExecuteAsync(db1, "UPDATE mysqlha_test.accounts SET balance = 150 WHERE id = 1");
        await SandboxReplication.ExecuteAsync(db1, "DELETE FROM mysqlha_test.accounts WHERE id = 2");

        var newMaster = await FailOverAndFenceAsync();
        await SandboxReplication.ExecuteAsync(newMaster, "INSERT INTO mysqlha_test.accounts VALUES (5, 500)");

        var (notFenced, refusal) = await RejoinAsync("db3");
        Assert.True(notFenced == 409 && ((string)refusal!["detail"]!).Contains("not fenced"), $"{notFenced}: {refusal}");
        var (status, started) = await RejoinAsync("db1");
        Assert.True(status == 202, $"{status}: {started}");
        var rejoin = Guid.Parse((string)started!["rejoinId"]!);
        var ended = await WaitForRejoinEndAsync(rejoin);
        output.WriteLine(ended.ToJsonString());

        Assert.True((string?)ended["state"] == "completed", ended.ToJsonString());
        Assert.Equal(3, ended["extraGtids"]!.AsArray().Count);
        var readable = await File.ReadAllTextAsync(Path.Combine(_rig.Repository, (string)ended["sqlKey"]!));
        Assert.Contains("accounts", readable);
        Assert.True(File.Exists(Path.Combine(_rig.Repository, (string)ended["eventsKey"]!)));
        var db1Status = await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "OK");
        Assert.Equal("replica", ((string?)db1Status["role"])?.ToLowerInvariant());
        await WaitForEqualChecksumsAsync(newMaster, db1);
        Assert.Equal(["rejoin_started", "diverged_transactions_extracted", "diverged_transactions_undone", "rejoined_as_replica", "rejoin_completed"],
            (await _rig.EventsOfAsync(rejoin)).Where(e => !e.StartsWith("instance_")));
    }

    [Fact]
    public async Task An_old_master_whose_extra_transactions_hold_ddl_is_rebuilt_from_the_backup_with_its_old_data_set_aside_and_rejoins_with_the_masters_checksum()
    {
        var db1 = SandboxReplication.Primary;
        await SandboxReplication.ExecuteAsync(db1,
            "CREATE TABLE mysqlha_test.accounts (id INT PRIMARY KEY, balance INT NOT NULL); INSERT INTO mysqlha_test.accounts VALUES (1, 100), (2, 200)");
        await SandboxReplication.ExecuteAsync(db1, "INSERT INTO mysqlha_test.accounts VALUES (3, 300)");
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(30));
        // After db1's last transaction the new master will hold: a clone replicates from its backup's point on and
        // drops what its own server id wrote, so an older backup would not suit (see RebuildBackup).
        var backup = await _rig.StartedBackupAsync(new { });
        Assert.Equal("completed", (string?)(await _rig.WaitForBackupEndAsync(backup))["state"]);
        foreach (var replica in SandboxReplication.Replicas) await SandboxReplication.ExecuteAsync(replica, "STOP SLAVE IO_THREAD");
        await SandboxReplication.ExecuteAsync(db1, "INSERT INTO mysqlha_test.accounts VALUES (4, 400)");
        await SandboxReplication.ExecuteAsync(db1, "CREATE TABLE mysqlha_test.diverged_only (id INT PRIMARY KEY)");

        var newMaster = await FailOverAndFenceAsync();
        await SandboxReplication.ExecuteAsync(newMaster, "INSERT INTO mysqlha_test.accounts VALUES (5, 500)");
        var (status, started) = await RejoinAsync("db1");
        Assert.True(status == 202, $"{status}: {started}");
        var rejoin = Guid.Parse((string)started!["rejoinId"]!);
        var ended = await WaitForRejoinEndAsync(rejoin, TimeSpan.FromMinutes(6));
        output.WriteLine(ended.ToJsonString());

        Assert.True((string?)ended["state"] == "rebuilt", ended.ToJsonString());
        Assert.Equal(2, ended["extraGtids"]!.AsArray().Count);
        Assert.Contains("diverged_only", await File.ReadAllTextAsync(Path.Combine(_rig.Repository, (string)ended["sqlKey"]!)));
        var restore = await _rig.WaitForRestoreEndAsync(Guid.Parse((string)ended["restoreId"]!));
        Assert.True((string?)restore["state"] == "completed" && (string?)restore["mode"] == "clone" && (string?)restore["backupId"] == backup.ToString(),
            restore.ToJsonString());
        var db1Status = await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "OK");
        Assert.Equal("replica", ((string?)db1Status["role"])?.ToLowerInvariant());
        await WaitForEqualChecksumsAsync(newMaster, db1);
        Assert.Null(await SandboxReplication.ScalarAsync<string>(db1,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'mysqlha_test' AND table_name = 'diverged_only'"));

        var setAside = (string)ended["setAsideFolder"]!;
        Assert.StartsWith(Path.Combine(RestorableServers.ServerFolder(1), "data.diverged-"), setAside);
        Assert.True(File.Exists(Path.Combine(setAside, "data", "mysqlha_test", "diverged_only.frm")), string.Join(", ", Directory.EnumerateFileSystemEntries(setAside, "*", SearchOption.AllDirectories)));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(setAside, "binlogs")));
        Assert.Equal(["rejoin_started", "diverged_transactions_extracted", "diverged_data_set_aside", "rebuild_from_backup_started", "diverged_instance_rebuilt"],
            (await _rig.EventsOfAsync(rejoin)).Where(e => !e.StartsWith("instance_")));
    }

    /// <summary>The master (db1) is stopped, failed over and started again, fenced; answers the new master.</summary>
    private async Task<ServerEndpoint> FailOverAndFenceAsync()
    {
        SandboxReplication.StopServer(1);
        var failover = await WaitForFailoverAsync(TimeSpan.FromSeconds(60));
        Assert.True((string?)failover["state"] == "completed", failover.ToJsonString());
        var newMasterName = (string)JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}"))!["instances"]!.AsArray()
            .Single(i => ((string?)i!["role"])?.ToLowerInvariant() == "master")!["name"]!;
        var newMaster = SandboxSettings.Current.MariaDb[int.Parse(newMasterName[2..]) - 1];
        SandboxReplication.StartServer(1);
        await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "FENCED", TimeSpan.FromSeconds(30));
        return newMaster;
    }

    private async Task<(int Status, JsonNode? Body)> RejoinAsync(string instance)
    {
        var response = await _rig.Client.Http.PostAsJsonAsync($"/api/clusters/{_rig.Cluster}/instances/{instance}/rejoin", new { });
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<JsonNode> WaitForFailoverAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var operations = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/operations?cluster={_rig.Cluster}&kind=failover"))!;
            var list = (operations as JsonArray ?? operations["operations"]!.AsArray()).ToList();
            // A round whose saga did not start ("not started") is followed by another.
            if (list.LastOrDefault() is { } latest && (string?)latest["state"] is not ("running" or "not started")) return latest;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no failover ended within {limit}: {operations}");
            await Task.Delay(250);
        }
    }

    private async Task<JsonNode> WaitForRejoinEndAsync(Guid rejoin, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            var record = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/rejoins/{rejoin}"))!;
            if ((string?)record["state"] != "running") return record;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"rejoin {rejoin} still runs: {record}");
            await Task.Delay(250);
        }
    }

    private static async Task WaitForEqualChecksumsAsync(ServerEndpoint master, ServerEndpoint replica)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (expected, actual) = (await ChecksumAsync(master), await ChecksumAsync(replica));
            if (expected == actual) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"checksums differ: master {expected} ({await RowsAsync(master)}), rejoined {actual} ({await RowsAsync(replica)})");
            await Task.Delay(250);
        }
    }

    private static Task<string?> RowsAsync(ServerEndpoint server) => SandboxReplication.ScalarAsync<string>(server,
        "SELECT CONCAT_WS(' ', (SELECT GROUP_CONCAT(id, ':', balance ORDER BY id) FROM mysqlha_test.accounts), @@gtid_current_pos)");

    private static async Task<long> ChecksumAsync(ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlCommand("CHECKSUM TABLE mysqlha_test.accounts", connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetInt64(1);
    }
}
