using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>Restores and clones through the Api, the saga and the agents, into a sandbox server stopped and emptied for it.</summary>
[Collection(SandboxCollection.Name)]
public sealed class RestoreSagaTests : IAsyncLifetime
{
    private BackupRig _rig = null!;

    private static ServerEndpoint Db3 => SandboxSettings.Current.MariaDb[2];

    // db3 stays unregistered: it is the restore target.
    public async Task InitializeAsync() => _rig = await BackupRig.StartAsync("restores", "db2");

    public Task DisposeAsync()
    {
        _rig.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(int Status, JsonNode? Body)> StartRestoreAsync(object body)
    {
        var response = await _rig.Client.Http.PostAsJsonAsync($"/api/clusters/{_rig.Cluster}/restores", body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task A_clone_into_an_emptied_server_joins_as_a_replica_reaches_OK_and_holds_the_masters_rows()
    {
        using var writes = new CancellationTokenSource();
        var writer = BackupSagaTests.WriteUntilCancelledAsync(writes.Token);
        var backup = await _rig.StartedBackupAsync(new { });
        Assert.Equal("completed", (string?)(await _rig.WaitForBackupEndAsync(backup))["state"]);

        // Refused while db3's server still runs on its data: nothing is touched.
        var (running, refusal) = await StartRestoreAsync(new { instance = "db3", mode = "clone" });
        Assert.True(running == 409, $"{running}: {refusal}");
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(Db3, "SELECT COUNT(*) > 0 FROM mysqlha_test.marks"));
        Assert.True(File.Exists(Path.Combine(RestorableServers.ServerFolder(3), "data", "ibdata1")));

        RestorableServers.MakeEmptyTarget(3);
        var refusals = new (object Body, int Status, string Says)[]
        {
            (new { instance = "db2", mode = "clone" }, 409, "registered as replica"),
            (new { instance = "db9" }, 409, "'db9' is not an instance"),
            (new { instance = "db3", backupId = Guid.NewGuid() }, 404, "no backup"),
        };
        foreach (var (body, status, says) in refusals)
        {
            var (answered, problem) = await StartRestoreAsync(body);
            Assert.True(answered == status && ((string?)problem!["detail"])!.Contains(says), $"{body}: {answered} {problem}");
        }
        Assert.Equal(400, (await StartRestoreAsync(new { instance = "db3", mode = "mirror" })).Status);
        Assert.Equal(400, (await StartRestoreAsync(new { mode = "clone" })).Status);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(RestorableServers.ServerFolder(3), "data")));

        var (accepted, answer) = await StartRestoreAsync(new { instance = "db3", mode = "clone" });
        Assert.True(accepted == 202, $"{accepted}: {answer}");
        var restore = Guid.Parse((string)answer!["restoreId"]!);
        Assert.Equal(backup, Guid.Parse((string)answer["backupId"]!));
        var ended = await _rig.WaitForRestoreEndAsync(restore);
        await writes.CancelAsync();
        Assert.True(await writer > 0);

        Assert.True((string?)ended["state"] == "completed", ended.ToJsonString());
        var db3 = await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db3", "OK");
        Assert.Equal("replica", ((string?)db3["role"])?.ToLowerInvariant());
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(await ChecksumAsync(SandboxReplication.Primary), await ChecksumAsync(Db3));
        Assert.Equal(["restore_started", "restore_job_accepted", "backup_restored", "clone_joined", "restore_completed"],
            (await _rig.EventsOfAsync(restore)).Where(e => !e.StartsWith("instance_")));
    }

    private static Task<long> ChecksumAsync(ServerEndpoint server) =>
        SandboxReplication.ScalarAsync<long>(server, "SELECT COUNT(*) * 1000003 + COALESCE(SUM(id), 0) FROM mysqlha_test.marks");
}
