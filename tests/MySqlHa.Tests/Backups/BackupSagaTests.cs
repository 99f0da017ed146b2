using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>Backups through the Api, the saga and the agents, on the real sandbox, with a repository of the test's own.</summary>
[Collection(SandboxCollection.Name)]
public sealed class BackupSagaTests : IAsyncLifetime
{
    private BackupRig _rig = null!;

    public async Task InitializeAsync() => _rig = await BackupRig.StartAsync("backups");

    public Task DisposeAsync()
    {
        _rig.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_backup_taken_while_writes_run_completes_with_a_manifest_that_the_repository_proves()
    {
        using var writes = new CancellationTokenSource();
        var writer = WriteUntilCancelledAsync(writes.Token);
        await Task.Delay(300);
        var before = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_binlog_pos");

        var backup = await _rig.StartedBackupAsync(new { compression = "zstd" });
        var record = await _rig.WaitForBackupEndAsync(backup);
        await writes.CancelAsync();
        var written = await writer;

        Assert.True((string?)record["state"] == "completed", record.ToJsonString());
        Assert.True(written > 0, "no write ran during the backup");
        var manifest = record["manifest"]!;
        Assert.Equal("db2", (string?)manifest["instance"]);
        var artifact = Path.Combine(_rig.Repository, (string)manifest["artifactKey"]!);
        await using (var file = File.OpenRead(artifact))
            Assert.Equal(Convert.ToHexStringLower(await SHA256.HashDataAsync(file)), ((string)manifest["sha256"]!).ToLowerInvariant());
        Assert.Equal(new FileInfo(artifact).Length, (long)manifest["storedBytes"]!);
        // The backup's point holds at least what the primary had committed before the backup began.
        Assert.Equal("", GtidSets.Missing(DatabaseFlavor.MariaDb, before!, (string)manifest["gtidExecuted"]!));
        Assert.True(File.Exists(Path.Combine(_rig.Repository, _rig.ClusterName, "backups", backup.ToString(), "manifest.json")));
        Assert.DoesNotContain(_rig.RepositoryFiles(), f => f.Contains(".partial-"));

        var events = await _rig.EventsOfAsync(backup);
        Assert.Equal(new[] { "cluster_backup_started", "backup_started", "backup_job_accepted", "cluster_backup_ended", "backup_completed" }.Order(), events.Order());
        Assert.Equal(["backup_started", "backup_job_accepted", "backup_completed"], events.Where(e => e.StartsWith("backup_")));
        var cluster = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/backups"))!.AsArray();
        Assert.Equal(backup, Guid.Parse((string)cluster.Single()!["id"]!));
    }

    [Fact]
    public async Task Bad_backup_requests_are_refused_with_the_reason_and_leave_nothing_behind()
    {
        var refusals = new (object Body, int Status, string Says)[]
        {
            (new { compression = "lz4" }, 400, "compression"),
            (new { deadlineMinutes = -1 }, 400, "deadlineMinutes"),
            (new { instance = "db9" }, 409, "'db9' is not an instance"),
            (new { instance = "db1" }, 409, "is the master"),
        };
        foreach (var (body, status, says) in refusals)
        {
            var (answered, problem) = await _rig.StartBackupAsync(body);
            Assert.True(answered == status, $"{body}: {answered} {problem}");
            Assert.Contains(says, status == 400 ? string.Join(",", problem!["errors"]!.AsObject().Select(e => e.Key)) : (string)problem!["detail"]!);
        }
        var unknown = await _rig.Client.Http.PostAsJsonAsync($"/api/clusters/{Guid.NewGuid()}/backups", new { });
        Assert.Equal(404, (int)unknown.StatusCode);

        // One backup at a time: a second while the first runs is refused, naming the first.
        var first = await _rig.StartedBackupAsync(new { });
        var (second, conflict) = await _rig.StartBackupAsync(new { instance = "db3" });
        var ended = await _rig.WaitForBackupEndAsync(first);
        Assert.True(second == 409 && (string?)conflict!["runningBackup"] == first.ToString(), $"{second}: {conflict}");
        Assert.Equal("completed", (string?)ended["state"]);

        var listed = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/backups"))!.AsArray();
        Assert.Equal([first.ToString()], listed.Select(b => (string)b!["id"]!));
        Assert.All(_rig.RepositoryFiles(), f => Assert.Contains(first.ToString(), f));
        Assert.Equal(400, (int)(await _rig.Client.Http.GetAsync($"/api/clusters/{_rig.Cluster}/backups?state=lost")).StatusCode);
        Assert.Equal(404, (int)(await _rig.Client.Http.GetAsync($"/api/clusters/{_rig.Cluster}/backups/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Scheduled_backups_run_by_the_policy_and_retention_keeps_the_newest_recording_each_deletion()
    {
        var badPolicy = await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy", new { keep = 0, schedule = "every day" });
        Assert.Equal(400, (int)badPolicy.StatusCode);
        var older = await _rig.StartedBackupAsync(new { });
        Assert.Equal("completed", (string?)(await _rig.WaitForBackupEndAsync(older))["state"]);

        // Every minute: the next scheduled backup falls due within a minute, and deletes the older one.
        var policy = await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy",
            new { keep = 1, schedule = "* * * * *", compression = "gzip" });
        Assert.True(policy.IsSuccessStatusCode, await policy.Content.ReadAsStringAsync());
        var newer = await WaitForScheduledBackupAsync(TimeSpan.FromSeconds(90));
        await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy", new { keep = 1 });
        var newest = await _rig.WaitForBackupEndAsync(newer);
        Assert.Equal("completed", (string?)newest["state"]);
        Assert.Equal("scheduled", (string?)newest["trigger"]);
        Assert.EndsWith(".gz", (string)newest["manifest"]!["artifactKey"]!);

        var deleted = await WaitForStateAsync(older, "deleted");
        Assert.NotNull(deleted["deletedAt"]);
        Assert.All(_rig.RepositoryFiles(), f => Assert.Contains(newer.ToString(), f));
        Assert.Contains("backup_deleted", await _rig.EventsOfAsync(older));
    }

    private async Task<Guid> WaitForScheduledBackupAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var backups = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/backups"))!.AsArray();
            if (backups.FirstOrDefault(b => (string?)b!["trigger"] == "scheduled") is { } scheduled) return Guid.Parse((string)scheduled["id"]!);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no scheduled backup started within {limit}: {backups}");
            await Task.Delay(500);
        }
    }

    private async Task<JsonNode> WaitForStateAsync(Guid backup, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var record = await _rig.BackupAsync(backup);
            if ((string?)record["state"] == state) return record;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"backup {backup} is not {state}: {record}");
            await Task.Delay(200);
        }
    }

    internal static async Task<int> WriteUntilCancelledAsync(CancellationToken stop)
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxReplication.Primary);
        var written = 0;
        while (!stop.IsCancellationRequested)
        {
            await new MySqlCommand("INSERT INTO mysqlha_test.marks VALUES ()", connection).ExecuteNonQueryAsync(CancellationToken.None);
            written++;
            await Task.Delay(5, CancellationToken.None);
        }
        return written;
    }
}
