using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>Backups verified through the Api, the saga and the agents' scratch servers, on the real sandbox.</summary>
[Collection(SandboxCollection.Name)]
public sealed class VerificationTests : IAsyncLifetime
{
    private static readonly TimeSpan VerificationLimit = TimeSpan.FromMinutes(3);

    private BackupRig _rig = null!;

    public async Task InitializeAsync() => _rig = await BackupRig.StartAsync("verifications");

    public Task DisposeAsync()
    {
        _rig.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> VerifyAsync(Guid backup, Guid? cluster = null)
    {
        var response = await _rig.Client.Http.PostAsync($"/api/clusters/{cluster ?? _rig.Cluster}/backups/{backup}/verify", null);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    /// <summary>Known data written and replicated, then no more writes: the source stays at the backup's point.</summary>
    private async Task<Guid> BackupOfKnownDataAsync()
    {
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, """
            CREATE DATABASE IF NOT EXISTS mysqlha_test;
            CREATE OR REPLACE TABLE mysqlha_test.verified (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(10, 2)) ENGINE=InnoDB;
            INSERT INTO mysqlha_test.verified SELECT seq, CONCAT('row ', seq), seq * 1.25 FROM mysqlha_test.seq_1_to_500;
            CREATE OR REPLACE TABLE mysqlha_test.verified_aria (id INT PRIMARY KEY, note TEXT) ENGINE=Aria;
            INSERT INTO mysqlha_test.verified_aria SELECT seq, REPEAT('x', seq) FROM mysqlha_test.seq_1_to_50;
            """);
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(30));
        var backup = await _rig.StartedBackupAsync(new { });
        Assert.Equal("completed", (string?)(await _rig.WaitForBackupEndAsync(backup))["state"]);
        return backup;
    }

    [Fact]
    public async Task A_verified_backup_holds_the_rows_and_checksums_of_its_source_at_the_backup_point()
    {
        var backup = await BackupOfKnownDataAsync();
        var manifest = (await _rig.BackupAsync(backup))["manifest"]!;
        var source = await VerificationRig.TablesAsync(SandboxSettings.Current.MariaDb[int.Parse(((string)manifest["instance"]!)[2..]) - 1]);
        Assert.Contains(source, t => t.StartsWith("mysqlha_test.verified 500 ", StringComparison.Ordinal));

        var (status, answer, response) = await VerifyAsync(backup);
        Assert.True(status == 202, $"{status}: {answer}");
        Assert.Equal($"/api/clusters/{_rig.Cluster}/backups/{backup}", response.Headers.Location?.ToString());
        var verification = Guid.Parse((string)answer!["verificationId"]!);
        Assert.Equal("db2", (string?)answer["instance"]);
        // One verification of a backup at a time: a second while the first runs is refused, naming the first.
        var (again, conflict, conflictResponse) = await VerifyAsync(backup);
        Assert.True(again == 409 && (string?)conflict!["runningVerification"] == verification.ToString(), $"{again}: {conflict}");
        Assert.Equal("application/problem+json", conflictResponse.Content.Headers.ContentType?.MediaType);

        var result = await _rig.WaitForVerificationEndAsync(backup, verification, VerificationLimit);
        Assert.True((string?)result["state"] == "verified", result.ToJsonString());
        Assert.Equal((string)manifest["gtidExecuted"]!, (string?)result["gtidExecuted"]);
        Assert.Equal(source, VerificationRig.TablesOf(result));
        Assert.Equal(["backup_verification_started", "verification_job_accepted", "backup_verified"], await _rig.EventsOfAsync(verification));
        var listed = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/backups"))!.AsArray().Single()!;
        Assert.Equal("verified", (string?)listed["lastVerification"]!["state"]);
        var (folders, servers) = _rig.Leftovers();
        Assert.Empty(folders);
        Assert.Empty(servers);
    }

    [Fact]
    public async Task A_corrupted_artifact_fails_its_verification_on_the_checksum_and_leaves_no_scratch_folder_or_server()
    {
        var backup = await BackupOfKnownDataAsync();
        var artifact = Path.Combine(_rig.Repository, (string)(await _rig.BackupAsync(backup))["manifest"]!["artifactKey"]!);
        await using (var file = new FileStream(artifact, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length / 2;
            var original = file.ReadByte();
            file.Position = file.Length / 2;
            file.WriteByte((byte)(original ^ 0xFF));
        }

        var (status, answer, _) = await VerifyAsync(backup);
        Assert.True(status == 202, $"{status}: {answer}");
        var verification = Guid.Parse((string)answer!["verificationId"]!);
        var result = await _rig.WaitForVerificationEndAsync(backup, verification, VerificationLimit);
        Assert.True((string?)result["state"] == "failed", result.ToJsonString());
        Assert.Contains("SHA-256", (string?)result["failure"]);
        Assert.Null(result["tables"]);
        Assert.Equal(["backup_verification_started", "verification_job_accepted", "backup_verification_failed"], await _rig.EventsOfAsync(verification));
        var (folders, servers) = _rig.Leftovers();
        Assert.Empty(folders);
        Assert.Empty(servers);
    }

    [Fact]
    public async Task Scheduled_verifications_run_by_the_policy_on_the_newest_completed_backup()
    {
        var backup = await BackupOfKnownDataAsync();
        // Every minute: the next scheduled verification falls due within a minute.
        var policy = await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy", new { keep = 7, verifySchedule = "* * * * *" });
        Assert.True(policy.IsSuccessStatusCode, await policy.Content.ReadAsStringAsync());
        Assert.NotNull(JsonNode.Parse(await policy.Content.ReadAsStringAsync())!["nextScheduledVerification"]);

        var result = await _rig.WaitForVerificationEndAsync(backup, null, TimeSpan.FromSeconds(90) + VerificationLimit);
        await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy", new { keep = 7 });
        Assert.Equal("scheduled", (string?)result["trigger"]);
        Assert.True((string?)result["state"] == "verified", result.ToJsonString());
        Assert.Contains(VerificationRig.TablesOf(result), t => t.StartsWith("mysqlha_test.verified 500 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_verification_requests_are_refused_with_the_reason_and_change_nothing()
    {
        var (unknown, problem, response) = await VerifyAsync(Guid.NewGuid());
        Assert.True(unknown == 404 && ((string)problem!["detail"]!).Contains("has no backup"), $"{unknown}: {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await VerifyAsync(Guid.NewGuid(), Guid.NewGuid())).Status);

        var badCron = await _rig.Client.Http.PutAsJsonAsync($"/api/clusters/{_rig.Cluster}/backup-policy", new { keep = 7, verifySchedule = "every night" });
        Assert.Equal(400, (int)badCron.StatusCode);
        Assert.Equal("application/problem+json", badCron.Content.Headers.ContentType?.MediaType);
        Assert.Contains("verifySchedule", JsonNode.Parse(await badCron.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(e => e.Key));

        var policy = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/backup-policy"))!;
        Assert.Null(policy["verifySchedule"]);
        Assert.Null(policy["nextScheduledVerification"]);
        Assert.Empty(JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/clusters/{_rig.Cluster}/backups"))!.AsArray());
        var (folders, servers) = _rig.Leftovers();
        Assert.Empty(folders);
        Assert.Empty(servers);
    }
}
