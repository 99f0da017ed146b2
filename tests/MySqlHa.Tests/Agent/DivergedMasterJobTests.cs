using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Tests.Backups;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

/// <summary>
/// The agent's extract-diverged and flashback jobs on really diverged sandbox servers: replica 2 stops replicating,
/// the primary (server 1) commits inserts, updates and deletes that server 2 never gets, then server 1 is fenced
/// (read-only) and server 2 stands for the new master. Server 1's extra transactions are extracted, undone by
/// flashback until its tables' checksums are server 2's, and server 1 then replicates from server 2.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class DivergedMasterJobTests : IAsyncLifetime
{
    private const string Cluster = "agent-commands";
    private const string Table = "mysqlha_test.diverged";
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);
    private readonly string _prefix = $"/mysqlha-test-diverged-{Guid.NewGuid():N}";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mysqlha-diverged-jobs-{Guid.NewGuid():N}");
    private readonly List<AgentHarness> _agents = [];

    private static MySqlHa.Replication.Servers.ServerEndpoint OldMaster => SandboxReplication.Primary;

    private static MySqlHa.Replication.Servers.ServerEndpoint NewMaster => SandboxReplication.Replicas[0];

    private string RepositoryFolder => Path.Combine(_folder, "repository");

    public Task InitializeAsync()
    {
        SandboxReplication.Reset();
        Directory.CreateDirectory(RepositoryFolder);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        // The flashback resets server 1's binary log and repoints it: the next class gets the canonical sandbox back.
        SandboxReplication.Reset();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<AgentHarness> OldMasterAgentAsync()
    {
        var agent = await AgentHarness.StartAsync(OldMaster, _prefix, cluster: Cluster,
            settings: RestorableServers.AgentSettings(RepositoryFolder, 1, _folder));
        _agents.Add(agent);
        return agent;
    }

    private static async Task<(int Status, JsonNode? Body)> SendAsync(AgentHarness agent, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Fencing-Token", "1");
        using var response = await agent.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static async Task<JsonNode> RunJobAsync(AgentHarness agent, string path, object body)
    {
        var commandId = (string)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!["commandId"]!;
        var (status, started) = await SendAsync(agent, HttpMethod.Post, path, body);
        Assert.True(status is 202 or 200, $"POST {path}: {status} {started?.ToJsonString()}");
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            var (state, job) = await SendAsync(agent, HttpMethod.Get, $"/jobs/{commandId}");
            if (state == 200)
            {
                Assert.True((string?)job!["state"] == "completed", job.ToJsonString() + "\n" + agent.Output);
                return job;
            }
            Assert.True(state == 202, $"GET /jobs/{commandId}: {state} {job?.ToJsonString()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {commandId} still runs: {job!.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    private static Task<string?> ChecksumAsync(MySqlHa.Replication.Servers.ServerEndpoint server) =>
        ScalarTextAsync(server, $"CHECKSUM TABLE {Table}", column: 1);

    private static async Task<string?> ScalarTextAsync(MySqlHa.Replication.Servers.ServerEndpoint server, string sql, int column = 0)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlCommand(sql, connection).ExecuteReaderAsync();
        return await reader.ReadAsync() ? Convert.ToString(reader.GetValue(column), System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static async Task<Dictionary<string, string>> SlaveStatusAsync(MySqlHa.Replication.Servers.ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"{server} has no replication configured");
        return Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName,
            i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
    }

    private static Task ReplicateFromNewMasterAsync()
    {
        var repl = SandboxSettings.Current.Replication;
        return SandboxReplication.ExecuteAsync(OldMaster, $"""
            CHANGE MASTER TO MASTER_HOST='{NewMaster.Host}', MASTER_PORT={NewMaster.Port}, MASTER_USER='{repl.User}',
              MASTER_PASSWORD='{File.ReadAllText(repl.Secret).Trim()}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
            START SLAVE
            """);
    }

    private static long Sequence(string position) => long.Parse(position.Split(',').Single(g => g.StartsWith("0-", StringComparison.Ordinal)).Split('-')[2]);

    /// <summary>
    /// Makes server 1 diverge from server 2 by the transactions <paramref name="extra"/> (each an explicit transaction),
    /// fences server 1 and answers server 2's GTID state (the new master's) and the GTIDs only server 1 holds.
    /// </summary>
    private static async Task<(string MasterState, string[] Extra)> DivergeAsync(params string[] extra)
    {
        await SandboxReplication.ExecuteAsync(OldMaster, $"""
            CREATE DATABASE IF NOT EXISTS mysqlha_test;
            CREATE TABLE {Table} (id INT PRIMARY KEY, note VARCHAR(32) NOT NULL) ENGINE=InnoDB;
            INSERT INTO {Table} VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four');
            """);
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));
        await SandboxReplication.ExecuteAsync(NewMaster, "STOP SLAVE");
        var shared = (await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_pos"))!;
        await using (var connection = await SandboxReplication.OpenAsync(OldMaster))
            foreach (var transaction in extra)
                await new MySqlCommand(transaction, connection).ExecuteNonQueryAsync();
        await SandboxReplication.ExecuteAsync(OldMaster, "SET GLOBAL read_only = ON");
        var oldPosition = (await SandboxReplication.ScalarAsync<string>(OldMaster, "SELECT @@gtid_binlog_pos"))!;
        var expected = Enumerable.Range((int)Sequence(shared) + 1, (int)(Sequence(oldPosition) - Sequence(shared))).Select(n => $"0-1-{n}").ToArray();
        Assert.Equal(extra.Length, expected.Length);
        return ((await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_state"))!, expected);
    }

    private static readonly string[] RowChanges =
    [
        $"INSERT INTO {Table} VALUES (5, 'only-on-the-old-master')",
        $"UPDATE {Table} SET note = 'updated-on-the-old-master' WHERE id = 2",
        $"DELETE FROM {Table} WHERE id = 1",
        $"BEGIN; INSERT INTO {Table} VALUES (6, 'six-in-a-transaction'); UPDATE {Table} SET note = 'three-changed' WHERE id = 3; DELETE FROM {Table} WHERE id = 4; COMMIT",
    ];

    private static async Task<JsonNode> ExtractAsync(AgentHarness agent, string masterState, Guid extractionId) =>
        (await RunJobAsync(agent, "/jobs/extract-diverged",
            new { commandId = Guid.NewGuid().ToString("N"), masterGtidExecuted = masterState, extractionId }))["diverged"]!;

    [Fact]
    public async Task Extraction_finds_exactly_the_old_masters_extra_transactions_and_stores_their_events_and_rows()
    {
        var (masterState, extra) = await DivergeAsync(RowChanges);
        var agent = await OldMasterAgentAsync();
        var extractionId = Guid.NewGuid();

        var diverged = await ExtractAsync(agent, masterState, extractionId);

        Assert.Equal(extra, diverged["extraGtids"]!.AsArray().Select(g => (string)g!).ToArray());
        Assert.Equal(4, (int)diverged["transactionCount"]!);
        Assert.Equal($"0-1-{Sequence(masterState)}", (string?)diverged["sharedPosition"]);
        Assert.True(DateTimeOffset.Parse((string)diverged["firstEventAt"]!) <= DateTimeOffset.Parse((string)diverged["lastEventAt"]!));
        var sql = await File.ReadAllTextAsync(Path.Combine(RepositoryFolder, (string)diverged["sqlKey"]!));
        foreach (var gtid in extra) Assert.Contains($"GTID {gtid} trans", sql);
        Assert.DoesNotContain($"GTID 0-1-{Sequence(masterState)} ", sql);
        Assert.Contains("### INSERT INTO `mysqlha_test`.`diverged`", sql);
        Assert.Contains("###   @2='only-on-the-old-master'", sql);
        Assert.Contains("### UPDATE `mysqlha_test`.`diverged`", sql);
        Assert.Contains("###   @2='updated-on-the-old-master'", sql);
        Assert.Contains("### DELETE FROM `mysqlha_test`.`diverged`", sql);
        Assert.Contains("###   @2='one'", sql);
        Assert.Contains("###   @2='six-in-a-transaction'", sql);
        // The events form re-applies as the server logged it: base64 BINLOG statements, one group per transaction.
        var events = await File.ReadAllTextAsync(Path.Combine(RepositoryFolder, (string)diverged["eventsKey"]!));
        Assert.Contains("BINLOG '", events);
        foreach (var gtid in extra) Assert.Contains($"GTID {gtid} trans", events);
        var summary = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryFolder, (string)diverged["summaryKey"]!)))!;
        Assert.Equal(diverged.ToJsonString(), summary.ToJsonString());

        // Against its own state the old master holds nothing extra: the job completes with an empty set and no artifact.
        var own = (await SandboxReplication.ScalarAsync<string>(OldMaster, "SELECT @@gtid_binlog_state"))!;
        var nothing = await ExtractAsync(agent, own, Guid.NewGuid());
        Assert.Empty(nothing["extraGtids"]!.AsArray());
        Assert.Null(nothing["eventsKey"]);
        Assert.Null(nothing["sqlKey"]);
    }

    [Fact]
    public async Task Flashback_brings_the_old_master_back_to_the_new_masters_rows_and_it_then_replicates_from_it()
    {
        var (masterState, extra) = await DivergeAsync(RowChanges);
        Assert.NotEqual(await ChecksumAsync(OldMaster), await ChecksumAsync(NewMaster));
        var agent = await OldMasterAgentAsync();
        var extractionId = Guid.NewGuid();
        await ExtractAsync(agent, masterState, extractionId);

        var job = await RunJobAsync(agent, "/jobs/flashback",
            new { commandId = Guid.NewGuid().ToString("N"), extractionId, extraGtids = string.Join(",", extra) });

        Assert.Equal(await ChecksumAsync(NewMaster), await ChecksumAsync(OldMaster));
        Assert.Equal(await ScalarTextAsync(NewMaster, $"SELECT GROUP_CONCAT(id, note ORDER BY id) FROM {Table}"),
            await ScalarTextAsync(OldMaster, $"SELECT GROUP_CONCAT(id, note ORDER BY id) FROM {Table}"));
        // The undo logged no GTID: the old master's position is the one it shares with the new master.
        var shared = await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_pos");
        Assert.Equal(shared, (string?)job["restored"]!["gtidExecuted"]);
        Assert.Equal(shared, await SandboxReplication.ScalarAsync<string>(OldMaster, "SELECT @@gtid_current_pos"));
        Assert.Equal(shared, await SandboxReplication.ScalarAsync<string>(OldMaster, "SELECT @@gtid_slave_pos"));
        Assert.Equal(extra, job["diverged"]!["extraGtids"]!.AsArray().Select(g => (string)g!).ToArray());
        // The same extraction is never undone twice, whatever the command id.
        var (again, refusal) = await SendAsync(agent, HttpMethod.Post, "/jobs/flashback",
            new { commandId = Guid.NewGuid().ToString("N"), extractionId, extraGtids = string.Join(",", extra) });
        Assert.True(again == 409 && ((string?)refusal?["title"] ?? "").Contains("began already", StringComparison.Ordinal), $"{again} {refusal?.ToJsonString()}");

        // The old master replicates from the new one by slave_pos, under gtid_strict_mode, and catches up with new writes.
        await ReplicateFromNewMasterAsync();
        await SandboxReplication.ExecuteAsync(NewMaster, $"""
            RESET SLAVE ALL; SET GLOBAL read_only = OFF;
            INSERT INTO {Table} VALUES (7, 'written-on-the-new-master');
            UPDATE {Table} SET note = 'changed-on-the-new-master' WHERE id = 1;
            DELETE FROM {Table} WHERE id = 4;
            """);
        var position = (await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_pos"))!;
        Assert.Equal(0L, await SandboxReplication.ScalarAsync<long>(OldMaster, $"SELECT MASTER_GTID_WAIT('{position}', 20)"));
        Assert.Equal(await ChecksumAsync(NewMaster), await ChecksumAsync(OldMaster));
        var status = await SlaveStatusAsync(OldMaster);
        Assert.True(status["Slave_IO_Running"] == "Yes" && status["Slave_SQL_Running"] == "Yes" && status["Last_Error"] == "" && status["Last_IO_Error"] == "",
            string.Join(", ", status.Select(s => $"{s.Key}={s.Value}")));
    }

    [Fact]
    public async Task An_old_master_rejoins_a_new_master_that_wrote_since_the_failover_with_only_its_own_transactions_undone()
    {
        var (_, extra) = await DivergeAsync(RowChanges);
        var atFailover = await ChecksumAsync(NewMaster);
        var shared = (await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_pos"))!;
        // The new master takes writes of its own, with sequence numbers the old master's extra transactions used too,
        // one of them on a row the old master deleted.
        await SandboxReplication.ExecuteAsync(NewMaster, $"""
            RESET SLAVE ALL; SET GLOBAL read_only = OFF;
            INSERT INTO {Table} VALUES (8, 'new-master-after-failover');
            UPDATE {Table} SET note = 'one-on-the-new-master' WHERE id = 1;
            """);
        var masterState = (await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_state"))!;
        Assert.Contains("0-2-", masterState);
        var agent = await OldMasterAgentAsync();
        var extractionId = Guid.NewGuid();

        var diverged = await ExtractAsync(agent, masterState, extractionId);
        var job = await RunJobAsync(agent, "/jobs/flashback",
            new { commandId = Guid.NewGuid().ToString("N"), extractionId, extraGtids = string.Join(",", extra) });

        Assert.Equal(extra, diverged["extraGtids"]!.AsArray().Select(g => (string)g!).ToArray());
        Assert.Equal(shared, (string?)diverged["sharedPosition"]);
        Assert.Equal(atFailover, await ChecksumAsync(OldMaster));
        Assert.Equal(shared, (string?)job["restored"]!["gtidExecuted"]);
        await ReplicateFromNewMasterAsync();
        await SandboxReplication.ExecuteAsync(NewMaster, $"DELETE FROM {Table} WHERE id = 2");
        var position = (await SandboxReplication.ScalarAsync<string>(NewMaster, "SELECT @@gtid_binlog_pos"))!;
        Assert.Equal(0L, await SandboxReplication.ScalarAsync<long>(OldMaster, $"SELECT MASTER_GTID_WAIT('{position}', 20)"));
        Assert.Equal(await ChecksumAsync(NewMaster), await ChecksumAsync(OldMaster));
        Assert.Equal(position, await SandboxReplication.ScalarAsync<string>(OldMaster, "SELECT @@gtid_current_pos"));
    }

    /// <summary>What a refused job must leave as it was: the table, the GTID state, the binary logs, replication, the repository, the server's folders.</summary>
    private async Task<string> GroundAsync() => string.Join("\n",
        await ChecksumAsync(OldMaster),
        await ScalarTextAsync(OldMaster, "SELECT CONCAT_WS(' ', @@gtid_binlog_state, @@gtid_slave_pos, @@read_only, @@global.binlog_format)"),
        string.Join(",", await BinaryLogsAsync()),
        await ScalarTextAsync(OldMaster, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_IO'"),
        string.Join(",", Directory.EnumerateFiles(RepositoryFolder, "*", SearchOption.AllDirectories).Order()),
        string.Join(",", Directory.EnumerateFileSystemEntries(RestorableServers.ServerFolder(1)).Order()),
        string.Join(",", Directory.EnumerateFileSystemEntries(Path.Combine(RestorableServers.ServerFolder(1), "data")).Order()));

    private static async Task<List<string>> BinaryLogsAsync()
    {
        await using var connection = await SandboxReplication.OpenAsync(OldMaster);
        await using var reader = await new MySqlCommand("SHOW BINARY LOGS", connection).ExecuteReaderAsync();
        var logs = new List<string>();
        while (await reader.ReadAsync()) logs.Add($"{reader.GetString(0)}:{reader.GetInt64(1)}");
        return logs;
    }

    [Fact]
    public async Task Flashback_extraction_and_set_aside_are_refused_and_touch_nothing_when_ddl_or_a_statement_is_extra_or_the_server_is_writable_replicating_or_not_row()
    {
        var (masterState, extra) = await DivergeAsync([RowChanges[0], $"ALTER TABLE {Table} ADD COLUMN added VARCHAR(8) NULL", RowChanges[2],
            $"SET SESSION binlog_format = 'STATEMENT'; UPDATE {Table} SET note = 'statement' WHERE id = 3; SET SESSION binlog_format = 'ROW'"]);
        var agent = await OldMasterAgentAsync();
        var extractionId = Guid.NewGuid();
        var diverged = await ExtractAsync(agent, masterState, extractionId);
        Assert.Equal(extra, diverged["extraGtids"]!.AsArray().Select(g => (string)g!).ToArray());
        Assert.Contains($"GTID {extra[1]} ddl", await File.ReadAllTextAsync(Path.Combine(RepositoryFolder, (string)diverged["sqlKey"]!)));
        var extraGtids = string.Join(",", extra);
        var ground = await GroundAsync();

        async Task RefusedAsync(string path, object body, int expected, string says)
        {
            var (status, problem) = await SendAsync(agent, HttpMethod.Post, path, body);
            Assert.True(status == expected && ((string?)problem?["detail"] ?? "").Contains(says, StringComparison.Ordinal),
                $"{path} {System.Text.Json.JsonSerializer.Serialize(body)}: {status} {problem?.ToJsonString()}");
            Assert.Equal(ground, await GroundAsync());
        }

        await RefusedAsync("/jobs/flashback", new { commandId = "f-ddl", extractionId, extraGtids }, 409, $"{extra[1]} is DDL");
        await RefusedAsync("/jobs/flashback", new { commandId = "f-statement", extractionId, extraGtids }, 409, $"{extra[3]} holds a Query event (a statement");
        await RefusedAsync("/jobs/flashback", new { commandId = "f-other", extractionId, extraGtids = extra[0] }, 409, $"not [{extra[0]}]");
        await RefusedAsync("/jobs/flashback", new { commandId = "f-unknown", extractionId = Guid.NewGuid(), extraGtids }, 404, "extract the diverged transactions first");
        await RefusedAsync("/jobs/flashback", new { commandId = "f-none", extractionId, extraGtids = "" }, 400, "extraGtids is required");
        await RefusedAsync("/jobs/flashback", new { commandId = "f-bad", extractionId, extraGtids = "0-1" }, 400, "not a MariaDB GTID");
        await RefusedAsync("/jobs/extract-diverged", new { commandId = "e-again", masterGtidExecuted = masterState, extractionId }, 409, "a new extraction needs a new id");
        await RefusedAsync("/jobs/extract-diverged", new { commandId = "e-empty", masterGtidExecuted = masterState, extractionId = Guid.Empty }, 400, "extractionId is required");
        await RefusedAsync("/jobs/extract-diverged", new { commandId = "", masterGtidExecuted = masterState, extractionId = Guid.NewGuid() }, 400, "commandId is required");

        await SandboxReplication.ExecuteAsync(OldMaster, "SET GLOBAL read_only = OFF");
        ground = await GroundAsync();
        await RefusedAsync("/jobs/flashback", new { commandId = "f-writable", extractionId, extraGtids }, 409, "read_only off");
        await RefusedAsync("/jobs/extract-diverged", new { commandId = "e-writable", masterGtidExecuted = masterState, extractionId = Guid.NewGuid() }, 409, "read_only off");
        await RefusedAsync("/jobs/set-aside", new { commandId = "s-writable" }, 409, "is writable; only a server the controller fenced");
        await SandboxReplication.ExecuteAsync(OldMaster, "SET GLOBAL read_only = ON");

        await SandboxReplication.ExecuteAsync(OldMaster, "SET GLOBAL binlog_format = 'MIXED'");
        ground = await GroundAsync();
        await RefusedAsync("/jobs/flashback", new { commandId = "f-mixed", extractionId, extraGtids }, 409, "binlog_format MIXED");
        await SandboxReplication.ExecuteAsync(OldMaster, "SET GLOBAL binlog_format = 'ROW'");

        // Replication that runs but can apply nothing (nothing listens on port 1): only its running matters.
        await SandboxReplication.ExecuteAsync(OldMaster,
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=1, MASTER_USER='nobody', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE");
        ground = await GroundAsync();
        await RefusedAsync("/jobs/flashback", new { commandId = "f-replicating", extractionId, extraGtids }, 409, "replicates");
        await RefusedAsync("/jobs/set-aside", new { commandId = "s-replicating" }, 409, "is replicating");
        await RefusedAsync("/jobs/set-aside", new { commandId = "" }, 400, "commandId is required");
        await SandboxReplication.ExecuteAsync(OldMaster, "STOP SLAVE; RESET SLAVE ALL");
    }
}
