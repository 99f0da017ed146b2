using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Tests.Backups;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

/// <summary>
/// The agent's backup and restore jobs on the real sandbox servers, with the real mariadb-backup, mbstream and zstd:
/// backups of a replica taken while the primary writes, refusals that leave nothing behind, an agent killed in the
/// middle of a backup, and a restore into a stopped server's emptied data folder.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentBackupJobTests : IAsyncLifetime
{
    private const string Cluster = "agent-commands";
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);
    private readonly string _prefix = $"/mysqlha-test-agent-backups-{Guid.NewGuid():N}";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mysqlha-backup-jobs-{Guid.NewGuid():N}");
    private readonly List<AgentHarness> _agents = [];

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
        // A restore test stops, empties and restores server 3: the next class gets the canonical sandbox back.
        SandboxReplication.Reset();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private static string Id() => Guid.NewGuid().ToString("N");

    private static string ServerFolder(int number) => RestorableServers.ServerFolder(number);

    /// <summary>An agent beside server <paramref name="number"/> (1-based) that keeps backups in this test's repository and may restore into its server.</summary>
    private async Task<AgentHarness> AgentForAsync(int number, string? stateDirectory = null, bool withRepository = true)
    {
        var settings = withRepository ? RestorableServers.AgentSettings(RepositoryFolder, number, _folder) : [];
        var agent = await AgentHarness.StartAsync(SandboxSettings.Current.MariaDb[number - 1], _prefix, stateDirectory, cluster: Cluster, settings: settings);
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

    private static async Task<JsonNode> WaitForJobAsync(AgentHarness agent, string commandId)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            var (status, job) = await SendAsync(agent, HttpMethod.Get, $"/jobs/{commandId}");
            if (status == 200) return job!;
            Assert.True(status == 202, $"GET /jobs/{commandId}: {status} {job?.ToJsonString()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {commandId} still runs: {job!.ToJsonString()}\n{agent.Output}");
            await Task.Delay(200);
        }
    }

    private static async Task<JsonNode> BackupAsync(AgentHarness agent, string commandId, Guid backupId)
    {
        var (status, started) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId, backupId, compression = "zstd" });
        Assert.True(status is 202 or 200, $"POST /jobs/backup: {status} {started?.ToJsonString()}");
        var job = await WaitForJobAsync(agent, commandId);
        Assert.True((string?)job["state"] == "completed", job.ToJsonString());
        return job;
    }

    private string[] RepositoryFiles() =>
        Directory.EnumerateFiles(RepositoryFolder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(RepositoryFolder, f)).Order().ToArray();

    private static long Sequence(string gtid) => long.Parse(gtid.Split(',').Single(g => g.StartsWith("0-", StringComparison.Ordinal)).Split('-')[2]);

    /// <summary>Inserts rows on the primary one transaction at a time until stopped; answers each row's id and the GTID sequence that committed it.</summary>
    private static async Task<List<(long Id, long Sequence)>> WriteUntilAsync(CancellationToken stop)
    {
        var written = new List<(long, long)>();
        await using var connection = await SandboxReplication.OpenAsync(SandboxReplication.Primary);
        while (!stop.IsCancellationRequested)
        {
            await new MySqlCommand("INSERT INTO mysqlha_test.rows (payload) VALUES (SHA2(RAND(), 256))", connection).ExecuteNonQueryAsync(CancellationToken.None);
            await using var command = new MySqlCommand("SELECT LAST_INSERT_ID(), @@last_gtid", connection);
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
            await reader.ReadAsync();
            written.Add((reader.GetInt64(0), Sequence(reader.GetString(1))));
        }
        return written;
    }

    private static Task CreateRowsTableAsync() => SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
        "CREATE DATABASE IF NOT EXISTS mysqlha_test; CREATE TABLE mysqlha_test.rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64) NOT NULL) ENGINE=InnoDB");

    /// <summary>A backup of replica 2, taken while the primary writes; answers the job and the rows written.</summary>
    private async Task<(JsonNode Job, List<(long Id, long Sequence)> Written, string Before, string After)> BackupWhileWritingAsync(AgentHarness agent)
    {
        await CreateRowsTableAsync();
        using var stop = new CancellationTokenSource();
        var writer = WriteUntilAsync(stop.Token);
        while (!writer.IsCompleted && (await SandboxReplication.ScalarAsync<long>(SandboxReplication.Replicas[0], "SELECT COUNT(*) FROM mysqlha_test.rows")) < 50)
            await Task.Delay(50);
        var before = (await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0], "SELECT @@gtid_binlog_pos"))!;
        var job = await BackupAsync(agent, Id(), Guid.NewGuid());
        var after = (await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0], "SELECT @@gtid_binlog_pos"))!;
        await stop.CancelAsync();
        var written = await writer;
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(30));
        return (job, written, before, after);
    }

    [Fact]
    public async Task A_backup_of_a_replica_taken_while_the_primary_writes_has_a_manifest_with_its_gtid_and_sha256()
    {
        var agent = await AgentForAsync(2);

        var (job, written, before, after) = await BackupWhileWritingAsync(agent);

        var manifest = job["manifest"]!;
        var artifact = Path.Combine(RepositoryFolder, (string)manifest["artifactKey"]!);
        await using (var file = File.OpenRead(artifact))
            Assert.Equal(Convert.ToHexStringLower(await SHA256.HashDataAsync(file)), (string?)manifest["sha256"]);
        Assert.Equal(new FileInfo(artifact).Length, (long)manifest["storedBytes"]!);
        Assert.Equal(await DecompressedLengthAsync(artifact), (long)manifest["rawBytes"]!);
        Assert.True((long)manifest["rawBytes"]! > (long)manifest["storedBytes"]!, manifest.ToJsonString());
        Assert.Equal((long)manifest["storedBytes"]!, (long)job["bytesDone"]!);
        Assert.True((bool)manifest["verified"]!);
        Assert.Equal($"db{SandboxSettings.Current.MariaDb[1].Port}", (string?)manifest["instance"]);
        Assert.Contains("mariadb-backup based on MariaDB server 10.11", (string?)manifest["toolVersion"]);
        // The recorded GTID is the one the replica's binary log holds at the recorded coordinates, taken while rows came in.
        var gtid = (string)manifest["gtidExecuted"]!;
        Assert.Equal(gtid, await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0],
            $"SELECT BINLOG_GTID_POS('{(string)manifest["binlogFile"]!}', {(long)manifest["binlogPosition"]!})"));
        Assert.InRange(Sequence(gtid), Sequence(before), Sequence(after));
        Assert.True(written.Count > 50 && written[^1].Sequence > Sequence(gtid), $"{written.Count} rows written, the last at {written[^1].Sequence}; backup at {gtid}");
        // The manifest beside the artifact is the one the job answered.
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(artifact)!, "manifest.json")))!;
        Assert.Equal(manifest.ToJsonString(), stored.ToJsonString());
        // Asked again under the same command id, the agent answers the same job instead of taking another backup.
        var (status, again) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup",
            new { commandId = (string)job["commandId"]!, backupId = (string)manifest["backupId"]!, compression = "zstd" });
        Assert.Equal(200, status);
        Assert.Equal(job.ToJsonString(), again!.ToJsonString());
        Assert.Equal(2, RepositoryFiles().Length);
    }

    [Fact]
    public async Task Bad_job_requests_are_refused_and_touch_nothing()
    {
        var agent = await AgentForAsync(2);
        var backup = await BackupAsync(agent, "backup-1", Guid.NewGuid());
        var manifest = backup["manifest"]!;
        var artifactKey = (string)manifest["artifactKey"]!;
        var sha256 = (string)manifest["sha256"]!;
        var files = RepositoryFiles();
        var dataFolder = Path.Combine(ServerFolder(2), "data");
        var data = Directory.GetFileSystemEntries(dataFolder).Order().ToArray();
        var gtid = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0], "SELECT @@gtid_current_pos");

        var refusals = new (string Path, object Body, int Status, string Says)[]
        {
            ("/jobs/restore", new { commandId = "r-unknown", artifactKey = $"{Cluster}/backups/{Guid.NewGuid()}/backup.xbstream.zst", compression = "zstd", sha256 },
                404, "holds no"),
            ("/jobs/restore", new { commandId = "r-sha", artifactKey, compression = "zstd", sha256 = new string('0', 64) }, 409, "not " + new string('0', 64)),
            ("/jobs/restore", new { commandId = "r-data", artifactKey, compression = "zstd", sha256 }, 409, "holds files"),
            ("/jobs/restore", new { commandId = "backup-1", artifactKey, compression = "zstd", sha256 }, 409, "names a backup job"),
            ("/jobs/restore", new { commandId = "r-key", artifactKey = "../../etc/passwd", compression = "zstd", sha256 }, 400, "not a relative path"),
            ("/jobs/restore", new { commandId = "r-kind", artifactKey, compression = "gzip", sha256 }, 400, "stored with gzip"),
            ("/jobs/restore", new { commandId = "r-hex", artifactKey, compression = "zstd", sha256 = "abc" }, 400, "64 hexadecimal"),
            ("/jobs/backup", new { commandId = "", backupId = Guid.NewGuid() }, 400, "commandId is required"),
            ("/jobs/backup", new { commandId = "b-empty", backupId = Guid.Empty }, 400, "backupId is required"),
            ("/jobs/backup", new { commandId = "b-again", backupId = (string)manifest["backupId"]! }, 409, "a new backup needs a new id"),
        };
        var (unreadable, _) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId = "b-lz4", backupId = Guid.NewGuid(), compression = "lz4" });
        Assert.Equal(400, unreadable);
        foreach (var (path, body, expected, says) in refusals)
        {
            var (status, problem) = await SendAsync(agent, HttpMethod.Post, path, body);
            Assert.True(status == expected, $"{path} {System.Text.Json.JsonSerializer.Serialize(body)}: {status} {problem?.ToJsonString()}");
            Assert.Contains(says, (string?)problem!["detail"]);
        }
        var unavailable = await AgentForAsync(3, withRepository: false);
        var (noRepository, reason) = await SendAsync(unavailable, HttpMethod.Post, "/jobs/backup", new { commandId = "b-none", backupId = Guid.NewGuid() });

        Assert.Equal(503, noRepository);
        Assert.Contains("Backup:Repository", (string?)reason!["detail"]);
        Assert.Equal(files, RepositoryFiles());
        Assert.Equal(data, Directory.GetFileSystemEntries(dataFolder).Order().ToArray());
        Assert.Equal(gtid, await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0], "SELECT @@gtid_current_pos"));
        foreach (var refused in new[] { "r-unknown", "r-sha", "r-data", "r-key", "b-again", "b-lz4" })
            Assert.Equal(404, (await SendAsync(agent, HttpMethod.Get, $"/jobs/{refused}")).Status);
        Assert.Equal(401, (int)(await new HttpClient { BaseAddress = agent.Http.BaseAddress }.GetAsync("/jobs/backup-1")).StatusCode);
    }

    [Fact]
    public async Task An_agent_killed_during_a_backup_reports_it_failed_after_its_restart_and_leaves_no_partial_file_or_tool()
    {
        var stateDirectory = AgentHarness.NewStateDirectory();
        var agent = await AgentForAsync(2, stateDirectory);
        var backupId = Guid.NewGuid();
        JsonNode? job;
        int tool;
        await using (await BackupStageHold.OnAsync(SandboxReplication.Replicas[0]))
        {
            var (status, _) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId = "killed", backupId });
            Assert.Equal(202, status);
            tool = await agent.ChildProcessAsync("mariadb-backup", "--backup");
            // zstd creates the artifact's partial file itself, once it runs beside the tool.
            await agent.ChildProcessAsync("zstd", "-T0");
            Assert.True(SpinWait.SpinUntil(() => RepositoryFiles().Any(f => f.Contains(".partial-", StringComparison.Ordinal)), JobTimeout),
                "zstd made no partial file");
            // kill -9 of the agent alone, as the OOM killer does: its mariadb-backup runs on as an orphan.
            using (var process = Process.GetProcessById(agent.ProcessId))
            {
                process.Kill();
                process.WaitForExit();
            }
            agent.Dispose();
            Assert.True(IsRunning(tool, "mariadb-backup"), "the orphaned tool should still run before the restart");

            var restarted = await AgentForAsync(2, stateDirectory);
            (_, job) = await SendAsync(restarted, HttpMethod.Get, "/jobs/killed");
        }

        Assert.Equal("failed", (string?)job!["state"]);
        Assert.Contains("the agent stopped during the job", (string?)job["failure"]);
        Assert.Contains("1 of its tools still ran and were ended", (string?)job["failure"]);
        Assert.False(IsRunning(tool, "mariadb-backup"), "the orphaned tool outlived the agent's restart");
        Assert.Empty(RepositoryFiles());
        Assert.False(Directory.Exists(Path.Combine(stateDirectory, "job-work")));
        // The agent takes the next backup: nothing of the killed job holds it back.
        await BackupAsync(_agents[^1], Id(), Guid.NewGuid());
    }

    private static bool IsRunning(int pid, string name)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Contains($"({name})", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_cancelled_backup_fails_and_removes_its_files_and_neither_commands_nor_a_second_job_wait_behind_it()
    {
        var agent = await AgentForAsync(2);
        await using var hold = await BackupStageHold.OnAsync(SandboxReplication.Replicas[0]);
        var (status, _) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId = "long", backupId = Guid.NewGuid() });
        Assert.Equal(202, status);
        var tool = await agent.ChildProcessAsync("mariadb-backup", "--backup");

        var (running, job) = await SendAsync(agent, HttpMethod.Get, "/jobs/long");
        var (second, refusal) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId = "second", backupId = Guid.NewGuid() });
        var gtid = await SandboxReplication.ScalarAsync<string>(SandboxReplication.Replicas[0], "SELECT @@gtid_current_pos");
        var watch = Stopwatch.StartNew();
        var command = await agent.SucceedAsync("wait-for-gtid", new { commandId = Id(), gtidSet = gtid, timeoutSeconds = 5 });
        var commandTook = watch.Elapsed;
        var (cancelling, _) = await SendAsync(agent, HttpMethod.Delete, "/jobs/long");
        var cancelled = await WaitForJobAsync(agent, "long");

        Assert.Equal(202, running);
        Assert.Equal("running", (string?)job!["state"]);
        Assert.Equal(409, second);
        Assert.Contains("'long' is running", (string?)refusal!["detail"]);
        Assert.True((bool)command["detail"]!["reached"]!);
        Assert.True(commandTook < TimeSpan.FromSeconds(5), $"a command took {commandTook} beside a running backup");
        Assert.Equal(202, cancelling);
        Assert.Equal("failed", (string?)cancelled["state"]);
        Assert.Contains("cancelled by DELETE", (string?)cancelled["failure"]);
        Assert.Empty(RepositoryFiles());
        Assert.False(IsRunning(tool, "mariadb-backup"), "the tool outlived its job");
        Assert.Equal(404, (await SendAsync(agent, HttpMethod.Delete, "/jobs/long")).Status);
    }

    [Fact]
    public async Task A_follower_waiting_on_a_running_job_is_answered_by_its_end_or_by_the_wait_running_out()
    {
        var agent = await AgentForAsync(2);
        int held;
        JsonNode? whileHeld;
        await using (await BackupStageHold.OnAsync(SandboxReplication.Replicas[0]))
        {
            var (status, _) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId = "followed", backupId = Guid.NewGuid() });
            Assert.Equal(202, status);
            (held, whileHeld) = await SendAsync(agent, HttpMethod.Get, "/jobs/followed?waitSeconds=1");
        }
        // Released, the backup takes seconds more: a single look that waits is answered with its end.
        var (ended, job) = await SendAsync(agent, HttpMethod.Get, "/jobs/followed?waitSeconds=30");

        Assert.Equal(202, held);
        Assert.Equal("running", (string?)whileHeld!["state"]);
        Assert.Equal(200, ended);
        Assert.Equal("completed", (string?)job!["state"]);
    }

    /// <summary>The bytes a zstd artifact decompresses to, counted here rather than as zstd reports them.</summary>
    private static async Task<long> DecompressedLengthAsync(string artifact)
    {
        using var zstd = Process.Start(new ProcessStartInfo("/usr/bin/zstd", ["-q", "-d", "-c", artifact]) { RedirectStandardOutput = true })!;
        var buffer = new byte[1 << 16];
        long length = 0;
        while (await zstd.StandardOutput.BaseStream.ReadAsync(buffer) is var read and > 0) length += read;
        await zstd.WaitForExitAsync();
        Assert.Equal(0, zstd.ExitCode);
        return length;
    }

    // zstd reads the tool's pipe itself: the job must still fail when either dies, and never hang on the other, nor
    // store a stream that ended early (zstd compresses a cut stream as willingly as a whole one).
    [Theory]
    [InlineData("mariadb-backup", "--backup", "zstd", "-T0")]
    [InlineData("zstd", "-T0", "mariadb-backup", "--backup")]
    public async Task A_backup_whose_tool_or_compressor_is_killed_fails_and_leaves_no_file_or_process(string killed, string killedArgument,
        string other, string otherArgument)
    {
        var agent = await AgentForAsync(2);
        await using var hold = await BackupStageHold.OnAsync(SandboxReplication.Replicas[0]);
        var (status, _) = await SendAsync(agent, HttpMethod.Post, "/jobs/backup", new { commandId = "cut", backupId = Guid.NewGuid() });
        Assert.Equal(202, status);
        var victim = await agent.ChildProcessAsync(killed, killedArgument);
        var survivor = await agent.ChildProcessAsync(other, otherArgument);

        using (var process = Process.GetProcessById(victim)) process.Kill();
        var job = await WaitForJobAsync(agent, "cut");

        Assert.Equal("failed", (string?)job["state"]);
        Assert.Contains($"{killed} exited with", (string?)job["failure"]);
        Assert.Empty(RepositoryFiles());
        Assert.False(IsRunning(survivor, other), $"{other} outlived its job");
    }

    [Fact]
    public async Task Unusable_backup_settings_stop_the_agent_with_every_problem_listed()
    {
        using var agent = AgentHarness.StartProcess(SandboxReplication.Primary, _prefix, AgentHarness.NewStateDirectory(), settings: new Dictionary<string, string?>
        {
            ["MYSQLHA_AGENT_Backup__Repository"] = "relative/backups",
            ["MYSQLHA_AGENT_Backup__Tool"] = "/nonexistent/mariadb-backup",
            ["MYSQLHA_AGENT_Server__DefaultsFile"] = "/nonexistent/my.cnf",
            ["MYSQLHA_AGENT_Server__DataDirectory"] = "data",
            ["MYSQLHA_AGENT_Server__StartCommand__0"] = "systemctl",
        });

        Assert.Equal(2, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Backup:Repository 'relative/backups' must be an absolute path", agent.Output);
        Assert.Contains("Backup:Tool: '/nonexistent/mariadb-backup' is not an absolute path to an existing program", agent.Output);
        Assert.Contains("Server:DefaultsFile '/nonexistent/my.cnf' is not an absolute path to an existing file", agent.Output);
        Assert.Contains("Server:DataDirectory 'data' must be an absolute path", agent.Output);
        Assert.Contains("Server:StartCommand: 'systemctl' is not an absolute path", agent.Output);
    }


    [Fact]
    public async Task A_backup_restored_into_a_stopped_and_emptied_server_comes_back_with_the_rows_at_its_gtid()
    {
        var source = await AgentForAsync(2);
        var target = await AgentForAsync(3);
        var (job, written, _, _) = await BackupWhileWritingAsync(source);
        var manifest = job["manifest"]!;
        var backupSequence = Sequence((string)manifest["gtidExecuted"]!);
        // The rows committed at the backup's GTID, copied aside on the primary: what the restored table must equal.
        var kept = written.Where(w => w.Sequence <= backupSequence).Max(w => w.Id);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            $"CREATE TABLE mysqlha_test.expected LIKE mysqlha_test.rows; INSERT INTO mysqlha_test.expected SELECT * FROM mysqlha_test.rows WHERE id <= {kept}");
        var expected = await ChecksumAsync(SandboxReplication.Primary, "mysqlha_test.expected");

        RestorableServers.MakeEmptyTarget(3);
        // A copy of the artifact without a manifest, restored with a SHA-256 that is not its own: the job reads it
        // all, finds the hash wrong and fails, leaving the data folder empty and no staging folder.
        var copyKey = $"{Cluster}/backups/{Guid.NewGuid()}/backup.xbstream.zst";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(RepositoryFolder, copyKey))!);
        File.Copy(Path.Combine(RepositoryFolder, (string)manifest["artifactKey"]!), Path.Combine(RepositoryFolder, copyKey));
        var wrong = Id();
        Assert.Equal(202, (await SendAsync(target, HttpMethod.Post, "/jobs/restore",
            new { commandId = wrong, artifactKey = copyKey, compression = "zstd", sha256 = new string('a', 64) })).Status);
        var refused = await WaitForJobAsync(target, wrong);
        Assert.Equal("failed", (string?)refused["state"]);
        Assert.Contains("not " + new string('a', 64), (string?)refused["failure"]);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(ServerFolder(3), "data")));
        Assert.False(Directory.EnumerateDirectories(ServerFolder(3), "data.restore-*").Any());

        var commandId = Id();
        var (status, started) = await SendAsync(target, HttpMethod.Post, "/jobs/restore",
            new { commandId, artifactKey = (string)manifest["artifactKey"]!, compression = "zstd", sha256 = (string)manifest["sha256"]! });
        Assert.True(status == 202, $"{status} {started?.ToJsonString()}");
        var restore = await WaitForJobAsync(target, commandId);

        Assert.True((string?)restore["state"] == "completed", restore.ToJsonString() + target.Output);
        Assert.Equal((string?)manifest["gtidExecuted"], (string?)restore["restored"]!["gtidExecuted"]);
        var restored = SandboxReplication.Replicas[1];
        Assert.Equal(kept, await SandboxReplication.ScalarAsync<long>(restored, "SELECT COUNT(*) FROM mysqlha_test.rows"));
        Assert.Equal(expected, await ChecksumAsync(restored, "mysqlha_test.rows"));
        Assert.Equal((string?)manifest["gtidExecuted"], await SandboxReplication.ScalarAsync<string>(restored, "SELECT @@gtid_current_pos"));
        Assert.Equal((long)manifest["storedBytes"]!, (long)restore["bytesDone"]!);
        Assert.False(Directory.EnumerateDirectories(ServerFolder(3), "data.restore-*").Any());
    }

    private static async Task<long> ChecksumAsync(MySqlHa.Replication.Servers.ServerEndpoint server, string table)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var command = new MySqlCommand($"CHECKSUM TABLE {table}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(1);
    }
}
