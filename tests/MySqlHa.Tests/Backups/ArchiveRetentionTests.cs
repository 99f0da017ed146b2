using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Etcdserverpb;
using Google.Protobuf;
using MySqlConnector;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Restores;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// Retention of the binlog archive on the sandbox: the master's binlogs rotated between writes and archived by the
/// agents, backups of a replica taken between them, and the policy's keep lowered, so that the archived files wholly
/// before the oldest kept backup are deleted by the archiving agent and each pruning recorded.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ArchiveRetentionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private BackupRig _rig = null!;

    private static ServerEndpoint Primary => SandboxReplication.Primary;

    public async Task InitializeAsync()
    {
        _rig = await BackupRig.StartAsync("prune", archive: true, "db2");
        await SandboxReplication.ExecuteAsync(Primary, "CREATE TABLE mysqlha_test.pruned (id INT AUTO_INCREMENT PRIMARY KEY, marker VARCHAR(8) NOT NULL)");
    }

    public Task DisposeAsync()
    {
        _rig.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Keeping_one_backup_deletes_the_archived_binlogs_wholly_before_it_records_each_pruning_and_a_restore_from_it_still_replays_to_the_end()
    {
        // Two files wholly before the first backup, then two between the backups, then the file being written.
        await WriteAsync("w1");
        await SandboxReplication.ExecuteAsync(Primary, "FLUSH BINARY LOGS");
        var w2 = await WriteAsync("w2");
        await SandboxReplication.ExecuteAsync(Primary, "FLUSH BINARY LOGS");
        var beforeOlder = await WaitForIndexAsync(i => i.Files.Any(f => f.Finished && f.LastGtids == w2), "w2's file archived whole");
        var older = await BackupAsync();

        // The default policy keeps both backups: the first pruning reaches back to the older one.
        var first = await WaitForPruningsAsync(1);
        Assert.Equal(older.ToString(), (string?)first[0]["OldestKeptBackupId"]);
        var wholeBeforeOlder = beforeOlder.Files.Where(f => f.Finished).Select(f => f.Key).ToList();
        Assert.Equal(wholeBeforeOlder.Order(), Keys(first[0]).Order());

        var w3 = await WriteAsync("w3");
        await SandboxReplication.ExecuteAsync(Primary, "FLUSH BINARY LOGS");
        var w4 = await WriteAsync("w4");
        await SandboxReplication.ExecuteAsync(Primary, "FLUSH BINARY LOGS");
        await WriteAsync("w5");
        var between = await WaitForIndexAsync(i => i.Files.Any(f => f.Finished && f.LastGtids == w4), "w4's file archived whole");
        var kept = await BackupAsync();
        await WriteAsync("w6");
        var end = (await SandboxReplication.ScalarAsync<string>(Primary, "SELECT @@gtid_binlog_pos"))!;
        await WaitForIndexAsync(i => i.Files.Any(f => f.LastGtids == end), "w6 archived");

        var policy = await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy", new { keep = 1 });
        Assert.True(policy.IsSuccessStatusCode, await policy.Content.ReadAsStringAsync());
        var prunings = await WaitForPruningsAsync(2);
        var second = prunings[1];
        var keptGtid = (string)(await _rig.BackupAsync(kept))["manifest"]!["gtidExecuted"]!;
        output.WriteLine($"backups {older} then {kept} at {keptGtid}; prunings:\n{string.Join('\n', prunings.Select(p => p.ToJsonString()))}");

        // The files of w3 and w4 went, exactly: the one being written (w5, w6) stays, though w5 is before the backup.
        var expected = between.Files.Where(f => f.Finished && (f.LastGtids == w3 || f.LastGtids == w4)).ToList();
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected.Select(f => f.Key).Order(), Keys(second).Order());
        Assert.Equal(expected.Sum(f => f.Size), (long)second["Bytes"]!);
        Assert.Equal(kept.ToString(), (string?)second["OldestKeptBackupId"]);
        Assert.Equal(keptGtid, (string?)second["HorizonGtids"]);

        var index = await ReadIndexAsync();
        foreach (var key in wholeBeforeOlder.Concat(expected.Select(f => f.Key)))
        {
            Assert.False(File.Exists(Path.Combine(_rig.Repository, key)), $"{key} is still in the repository");
            Assert.DoesNotContain(index.Files, f => f.Key == key);
        }
        var archiver = await ArchiverAsync();
        var status = (await archiver.Http.GetFromJsonAsync<BinlogArchiveStatus>("/archive", JsonSerializerOptions.Web))!;
        Assert.Empty(status.MissingFiles);
        Assert.Empty(status.Gaps);

        // What is left replays from the kept backup to the end; and a restore from it does.
        var keptEndedAt = (DateTimeOffset)(await _rig.BackupAsync(kept))["endedAt"]!;
        var plan = ReplayPlan.Decide(keptGtid, keptEndedAt, new RestoreTarget(RestoreTarget.Latest), index);
        Assert.True(plan.Refusal is null, plan.Refusal);
        Assert.NotEmpty(plan.BinlogKeys);
        RestorableServers.MakeEmptyTarget(3);
        var restored = await RestoreAsync(new { instance = "db3", toGtid = end });
        output.WriteLine(restored.ToJsonString());
        Assert.Equal(await ChecksumAsync(Primary), await ChecksumAsync(SandboxSettings.Current.MariaDb[2]));
    }

    [Fact]
    public async Task Only_the_archiving_agent_prunes_and_a_repeated_request_is_answered_what_the_first_one_deleted()
    {
        var w1 = await WriteAsync("w1");
        await SandboxReplication.ExecuteAsync(Primary, "FLUSH BINARY LOGS");
        await WaitForIndexAsync(i => i.Files.Any(f => f.Finished && f.LastGtids == w1), "w1's file archived whole");
        var archiver = await ArchiverAsync();
        var token = await FencingTokenAsync();

        var other = _rig.Agents.First(a => a != archiver);
        var (refused, problem) = await PruneAsync(other, new PruneArchiveRequest(Guid.NewGuid(), w1), token);
        Assert.True(refused == 409, $"{refused}: {problem}");
        Assert.Contains("does not hold the binlog archiver key", (string?)problem!["detail"]);
        Assert.Equal(400, (await PruneAsync(archiver, new PruneArchiveRequest(Guid.NewGuid(), "seven"), token)).Status);

        var request = new PruneArchiveRequest(Guid.NewGuid(), w1);
        var (status, answer) = await PruneAsync(archiver, request, token);
        Assert.True(status == 200, $"{status}: {answer}");
        var deleted = answer!["deletedKeys"]!.AsArray().Select(k => (string)k!).ToList();
        Assert.NotEmpty(deleted);
        Assert.All(deleted, key => Assert.False(File.Exists(Path.Combine(_rig.Repository, key)), key));

        var (_, repeated) = await PruneAsync(archiver, request, token);
        Assert.Equal(answer.ToJsonString(), repeated!.ToJsonString());
        var (_, sameHorizon) = await PruneAsync(archiver, request with { RequestId = Guid.NewGuid() }, token);
        Assert.Empty(sameHorizon!["deletedKeys"]!.AsArray());
    }

    private static async Task<string> WriteAsync(string marker)
    {
        await SandboxReplication.ExecuteAsync(Primary, $"INSERT INTO mysqlha_test.pruned (marker) VALUES ('{marker}')");
        return (await SandboxReplication.ScalarAsync<string>(Primary, "SELECT @@gtid_binlog_pos"))!;
    }

    /// <summary>A backup of the replica once it holds every write so far: its position is then the master's.</summary>
    private async Task<Guid> BackupAsync()
    {
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));
        var backup = await _rig.StartedBackupAsync(new { });
        var ended = await _rig.WaitForBackupEndAsync(backup);
        Assert.True((string?)ended["state"] == "completed", ended.ToJsonString());
        return backup;
    }

    private static IEnumerable<string> Keys(JsonNode pruning) => pruning["Keys"]!.AsArray().Select(k => (string)k!);

    /// <summary>The data of the cluster's recorded prunings, oldest first, once there are <paramref name="count"/>.</summary>
    private async Task<List<JsonNode>> WaitForPruningsAsync(int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var page = JsonNode.Parse(await _rig.Client.Http.GetStringAsync(
                $"/api/events?cluster={_rig.Cluster}&type=archived_binlogs_deleted&order=asc&limit=100"))!;
            var prunings = page["events"]!.AsArray().Select(e => e!["data"]!).ToList();
            if (prunings.Count >= count)
            {
                Assert.Equal(count, prunings.Count);
                return prunings;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{prunings.Count} prunings recorded, not {count}: {page}");
            await Task.Delay(250);
        }
    }

    private async Task<BinlogArchiveIndex> WaitForIndexAsync(Func<BinlogArchiveIndex, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var index = await ReadIndexAsync();
            if (condition(index)) return index;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within {Patience}: {JsonSerializer.Serialize(index)}");
            await Task.Delay(100);
        }
    }

    private async Task<BinlogArchiveIndex> ReadIndexAsync()
    {
        var path = Path.Combine(_rig.Repository, _rig.ClusterName, "binlogs", "index.json");
        if (!File.Exists(path)) return BinlogArchiveIndex.Empty;
        return JsonSerializer.Deserialize<BinlogArchiveIndex>(await File.ReadAllTextAsync(path), JsonSerializerOptions.Web)!;
    }

    private async Task<AgentHarness> ArchiverAsync()
    {
        foreach (var agent in _rig.Agents)
            if ((await agent.Http.GetFromJsonAsync<BinlogArchiveStatus>("/archive", JsonSerializerOptions.Web))!.Archiving) return agent;
        throw new InvalidOperationException("no agent archives");
    }

    /// <summary>The leading Api's fencing token, the create revision of its leader key: the agents accept no other.</summary>
    private async Task<long> FencingTokenAsync()
    {
        using var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _rig.Processes.Prefix });
        var leader = await etcd.Client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(etcd.Keys.ControllerLeader) });
        return leader.Kvs.Single().CreateRevision;
    }

    private static async Task<(int Status, JsonNode? Body)> PruneAsync(AgentHarness agent, PruneArchiveRequest body, long fencingToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/archive/prune") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Add("X-Fencing-Token", fencingToken.ToString());
        using var response = await agent.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<JsonNode> RestoreAsync(object body)
    {
        var response = await _rig.Client.Http.PostAsJsonAsync($"/api/clusters/{_rig.Cluster}/restores", body);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True((int)response.StatusCode == 202, $"{(int)response.StatusCode}: {answer}");
        var ended = await _rig.WaitForRestoreEndAsync(Guid.Parse((string)answer["restoreId"]!));
        Assert.True((string?)ended["state"] == "completed", ended.ToJsonString());
        return ended;
    }

    private static async Task<long> ChecksumAsync(ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlCommand("CHECKSUM TABLE mysqlha_test.pruned", connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetInt64(1);
    }
}
