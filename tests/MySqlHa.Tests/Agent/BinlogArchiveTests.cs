using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Topology;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Agent;

/// <summary>
/// The continuous binlog archive against the sandbox's real servers: an agent streams the published master's binlogs
/// with mariadb-binlog into a repository folder of the test's own, and GET /archive says what it covers. The topology
/// is published into etcd the way the controller writes it; a switch of master is made by hand on the servers.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class BinlogArchiveTests : IClassFixture<CanonicalSandbox>, IDisposable
{
    private const string Cluster = "archive";
    private static readonly TimeSpan ArchiveTimeout = TimeSpan.FromSeconds(20);

    private readonly string _prefix = $"/mysqlha-test-archive-{Guid.NewGuid():N}";
    private readonly string _repository = Path.Combine(Path.GetTempPath(), $"mysqlha-archive-{Guid.NewGuid():N}");
    private readonly EtcdConnection _etcd;
    private readonly ITestOutputHelper _output;
    private readonly List<AgentHarness> _agents = [];

    public BinlogArchiveTests(ITestOutputHelper output)
    {
        _output = output;
        _etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _prefix });
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task Writes_on_the_primary_appear_in_the_archive_within_seconds_and_a_rotated_file_is_archived_whole()
    {
        await PublishAsync(1, SandboxReplication.Primary);
        var agent = await StartAgentAsync(1);
        var first = await WriteAsync(SandboxReplication.Primary);

        var written = Stopwatch.StartNew();
        var last = await WriteAsync(SandboxReplication.Primary);
        var status = await WaitForAsync(agent, s => Covers(s, first, last), "the writes archived");
        _output.WriteLine($"write {last} archived after {written.ElapsedMilliseconds} ms");
        Assert.True(status.Archiving, Describe(status));
        Assert.Equal(SandboxReplication.Primary.ToString(), status.Master);
        Assert.Empty(status.Gaps);
        Assert.NotNull(status.NewestEventAt);

        // The password reaches mariadb-binlog in an option file only its owner reads, never on its command line.
        var command = StreamCommandLine(agent);
        var password = (await File.ReadAllTextAsync(SandboxSettings.Current.Admin.Secret)).Trim();
        Assert.DoesNotContain(command, argument => argument.Contains(password, StringComparison.Ordinal));
        var optionFile = command.Single(a => a.StartsWith("--defaults-file=", StringComparison.Ordinal))["--defaults-file=".Length..];
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(optionFile));
        Assert.Equal(["--read-from-remote-server", "--raw", "--stop-never"], command.Skip(2).Take(3));

        // The file being written is archived before it is finished: the rotation then completes it.
        var rotated = await CurrentFileAsync(SandboxReplication.Primary);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "FLUSH BINARY LOGS");
        var index = await WaitForIndexAsync(i => i.Files.Any(f => f.File == rotated && f.Server == "1" && f.Finished), "the rotated file finished");
        var entry = index.Files.Single(f => f.File == rotated && f.Server == "1");
        var archived = Path.Combine(_repository, entry.Key);
        var original = Path.Combine(SandboxSettings.Current.SandboxFolder, "mariadb1", "binlog", rotated);
        Assert.Equal(await File.ReadAllBytesAsync(original), await File.ReadAllBytesAsync(archived));
        Assert.Equal(new FileInfo(original).Length, entry.Size);
        Assert.Equal(last, entry.LastGtids);

        // The archived file is a binlog the tools read, and holds the write; the index's GTIDs agree with theirs.
        var decoded = await RunAsync("mariadb-binlog", "--no-defaults", archived);
        Assert.Contains($"GTID {last}", decoded);
        Assert.Contains($"Gtid list [{entry.StartGtids}]", decoded);

        var metrics = await agent.Http.GetStringAsync("/metrics");
        Assert.Contains("mysqlha_agent_archive_uploads_total{kind=\"finished\"}", metrics);
        _output.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("mysqlha_agent_archive", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_busy_master_that_rotates_often_is_archived_without_a_gap_file_for_file()
    {
        const int Writes = 2000;
        var primary = SandboxReplication.Primary;
        var before = await SandboxReplication.ScalarAsync<long>(primary, "SELECT @@max_binlog_size");
        try
        {
            await PublishAsync(1, primary);
            var agent = await StartAgentAsync(1);
            var first = await WriteAsync(primary);
            // The smallest binlog size the server takes: a file every few dozen transactions.
            await SandboxReplication.ExecuteAsync(primary, "SET GLOBAL max_binlog_size=4096");
            await using (var connection = await SandboxReplication.OpenAsync(primary))
                for (var i = 0; i < Writes; i++)
                    await new MySqlConnector.MySqlCommand("INSERT INTO mysqlha_test.archived (at) VALUES (NOW(6))", connection).ExecuteNonQueryAsync();
            var last = (await SandboxReplication.ScalarAsync<string>(primary, "SELECT @@gtid_binlog_pos"))!;
            var written = Stopwatch.StartNew();

            var status = await WaitForAsync(agent, s => Covers(s, first, last), "every write archived");
            _output.WriteLine($"{Writes} writes to {last}: covered {written.ElapsedMilliseconds} ms after the last; {status.FilesArchived} files");
            Assert.Empty(status.Gaps);

            // Every finished file the master still has is archived byte for byte.
            var index = await WaitForIndexAsync(i => i.Files.Count(f => f.Finished) > 40, "the rotated files finished");
            var folder = Path.Combine(SandboxSettings.Current.SandboxFolder, "mariadb1", "binlog");
            var compared = 0;
            foreach (var file in index.Files.Where(f => f.Server == "1" && f.Finished && File.Exists(Path.Combine(folder, f.File))))
            {
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, file.File)), await File.ReadAllBytesAsync(Path.Combine(_repository, file.Key)));
                compared++;
            }
            _output.WriteLine($"{compared} finished files identical to the master's");
            Assert.True(compared > 40, $"only {compared} files compared");
        }
        finally
        {
            await SandboxReplication.ExecuteAsync(primary, $"SET GLOBAL max_binlog_size={before}");
        }
    }

    [Fact]
    public async Task The_archive_follows_a_new_master_without_a_gap()
    {
        var (db1, db2) = (SandboxReplication.Primary, SandboxReplication.Replicas[0]);
        try
        {
            await PublishAsync(1, db1);
            var agent = await StartAgentAsync(1);
            var first = await WriteAsync(db1);
            await WaitForAsync(agent, s => Covers(s, first, first), "the first write archived");

            // Written on the old master just before it steps down: the archiver may not have received these, the new
            // master has them (they replicated), and the archive must take them from there.
            for (var i = 0; i < 5; i++) await WriteAsync(db1);
            await SandboxReplication.ExecuteAsync(db1, "SET GLOBAL read_only=ON");
            await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));
            await SandboxReplication.ExecuteAsync(db2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF");
            await PublishAsync(2, db2);

            string last = "";
            for (var i = 0; i < 5; i++) last = await WriteAsync(db2);
            var status = await WaitForAsync(agent, s => s.Master == db2.ToString() && Covers(s, first, last), "the new master's writes archived");
            Assert.Empty(status.Gaps);
            Assert.Empty(status.MissingFiles);
            Assert.Equal("2", last.Split('-')[1]);
            var index = await ReadIndexAsync();
            Assert.Contains(index.Files, f => f.Server == "1");
            Assert.Contains(index.Files, f => f.Server == "2" && f.LastGtids.Contains(last, StringComparison.Ordinal));
            _output.WriteLine(string.Join('\n', index.Files.Select(f => $"{f.Server}/{f.File} [{f.StartGtids}] .. [{f.LastGtids}] {f.Size} B finished={f.Finished}")));
        }
        finally
        {
            DisposeAgents();
            SandboxReplication.Reset();
        }
    }

    [Fact]
    public async Task The_archive_follows_a_failover_after_the_master_is_killed_without_a_gap()
    {
        var (db1, db2) = (SandboxReplication.Primary, SandboxReplication.Replicas[0]);
        try
        {
            await PublishAsync(1, db1);
            var agent = await StartAgentAsync(2);
            var first = await WriteAsync(db1);
            await WaitForAsync(agent, s => Covers(s, first, first), "the first write archived");
            for (var i = 0; i < 5; i++) await WriteAsync(db1);
            await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));

            // The master dies mid-stream; db2, which has everything, is promoted by hand and published.
            SandboxReplication.StopServer(1);
            await SandboxReplication.ExecuteAsync(db2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF");
            await PublishAsync(2, db2);
            var last = await WriteAsync(db2);

            var status = await WaitForAsync(agent, s => s.Master == db2.ToString() && Covers(s, first, last), "the new master's writes archived");
            _output.WriteLine($"after the failover: {Describe(status)}");
            Assert.Empty(status.Gaps);
        }
        finally
        {
            DisposeAgents();
            SandboxReplication.Reset();
        }
    }

    [Fact]
    public async Task An_archiver_started_after_a_switch_begins_on_the_new_master_at_its_first_file_the_archive_lacks()
    {
        var (db1, db2) = (SandboxReplication.Primary, SandboxReplication.Replicas[0]);
        try
        {
            await PublishAsync(1, db1);
            var agent = await StartAgentAsync(1);
            var first = await WriteAsync(db1);
            await WaitForAsync(agent, s => Covers(s, first, first), "the first write archived");
            DisposeAgents();

            // With nobody archiving, db2's binlog splits into a file of what is archived already, one that starts with
            // the next write, and one after that: only the middle one is where streaming must begin.
            await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));
            var archivedAlready = await CurrentFileAsync(db2);
            await SandboxReplication.ExecuteAsync(db2, "FLUSH BINARY LOGS");
            var lacking = await CurrentFileAsync(db2);
            var next = await WriteAsync(db1);
            await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));
            await SandboxReplication.ExecuteAsync(db2, "FLUSH BINARY LOGS");
            await WriteAsync(db1);
            await SandboxReplication.ExecuteAsync(db1, "SET GLOBAL read_only=ON");
            await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(10));
            await SandboxReplication.ExecuteAsync(db2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF");
            await PublishAsync(2, db2);
            var last = await WriteAsync(db2);

            agent = await StartAgentAsync(1);
            var status = await WaitForAsync(agent, s => s.Master == db2.ToString() && Covers(s, first, last), "the new master's writes archived");
            Assert.Empty(status.Gaps);
            var fromDb2 = (await ReadIndexAsync()).Files.Where(f => f.Server == "2").Select(f => f.File).Order().ToList();
            _output.WriteLine($"archived {first} from db1; {next} and after from db2's files {string.Join(", ", fromDb2)}");
            Assert.Equal(lacking, fromDb2[0]);
            Assert.DoesNotContain(archivedAlready, fromDb2);
        }
        finally
        {
            DisposeAgents();
            SandboxReplication.Reset();
        }
    }

    [Fact]
    public async Task An_agent_stopped_cleanly_uploads_what_it_received_before_it_exits()
    {
        await PublishAsync(1, SandboxReplication.Primary);
        // Uploads only every five minutes: whatever reaches the archive in this test arrives through the stop.
        var stateDirectory = AgentHarness.NewStateDirectory();
        using var agent = AgentHarness.StartProcess(SandboxReplication.Primary, _prefix, stateDirectory, cluster: Cluster, instance: "db1",
            settings: new Dictionary<string, string?>
            {
                ["MYSQLHA_AGENT_BinlogArchive__Enabled"] = "true",
                ["MYSQLHA_AGENT_BinlogArchive__UploadInterval"] = "00:05:00",
                ["MYSQLHA_AGENT_Backup__Repository"] = _repository,
            });
        var written = await WriteAsync(SandboxReplication.Primary);
        var (file, position) = await PositionAsync(SandboxReplication.Primary);
        var staged = Path.Combine(stateDirectory, "binlog-archive", "staging", file);
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(staged) && new FileInfo(staged).Length >= position))
        {
            Assert.True(deadline.Elapsed < ArchiveTimeout, $"mariadb-binlog did not receive {file} up to {position}:\n{agent.Output}");
            await Task.Delay(100);
        }
        Assert.Empty((await ReadIndexAsync()).Files);

        agent.Interrupt();
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var index = await ReadIndexAsync();
        Assert.Contains(index.Files, f => f.File == file && f.LastGtids == written && f.Size == position);
    }

    [Fact]
    public async Task A_deleted_archived_file_shows_as_a_gap()
    {
        await PublishAsync(1, SandboxReplication.Primary);
        var agent = await StartAgentAsync(1);
        var first = await WriteAsync(SandboxReplication.Primary);
        var middle = await CurrentFileAsync(SandboxReplication.Primary);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "FLUSH BINARY LOGS");
        var second = await WriteAsync(SandboxReplication.Primary);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "FLUSH BINARY LOGS");
        var third = await WriteAsync(SandboxReplication.Primary);
        await WaitForAsync(agent, s => Covers(s, first, third), "every write archived");

        // The file that holds the second write, between files that hold the first and the third.
        var index = await ReadIndexAsync();
        var lost = index.Files.Single(f => f.Server == "1" && f.LastGtids == second);
        Assert.NotEqual(middle, lost.File);
        File.Delete(Path.Combine(_repository, lost.Key));

        var status = await WaitForAsync(agent, s => s.Gaps.Count > 0, "the gap shown");
        // Each write is a few transactions (the CREATE ... IF NOT EXISTS are logged too): the gap is all of the file's.
        Assert.Equal([new GtidRange(0, Sequence(first) + 1, Sequence(second))], status.Gaps);
        Assert.Equal([lost.Key], status.MissingFiles);
    }

    [Fact]
    public async Task Binlogs_purged_while_no_archiver_ran_show_as_a_gap_and_archiving_resumes_after_them()
    {
        await PublishAsync(1, SandboxReplication.Primary);
        var agent = await StartAgentAsync(1);
        var first = await WriteAsync(SandboxReplication.Primary);
        await WaitForAsync(agent, s => Covers(s, first, first), "the first write archived");
        DisposeAgents();

        // With nobody archiving, the master writes, rotates and purges what was never archived.
        var purged = await WriteAsync(SandboxReplication.Primary);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "FLUSH BINARY LOGS");
        var purgedToo = await WriteAsync(SandboxReplication.Primary);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "FLUSH BINARY LOGS");
        var current = await CurrentFileAsync(SandboxReplication.Primary);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, $"PURGE BINARY LOGS TO '{current}'");
        var after = await WriteAsync(SandboxReplication.Primary);

        agent = await StartAgentAsync(1);
        var status = await WaitForAsync(agent, s => Covers(s, after, after), "the write after the purge archived");
        // MariaDB keeps a file the last binlog checkpoint still needs, so the purge may stop short of the current file:
        // the gap is what the master no longer has, up to the start of its oldest file, and holds the first purged write.
        var oldest = await StartOfOldestFileAsync(SandboxReplication.Primary);
        _output.WriteLine($"archived up to {first}, written {purged} and {purgedToo}, the master's oldest file starts at {oldest}; gaps {Describe(status)}");
        Assert.InRange(Sequence(oldest), Sequence(purged), Sequence(purgedToo));
        Assert.Equal([new GtidRange(0, Sequence(first) + 1, Sequence(oldest))], status.Gaps);
        Assert.True(Covers(status, first, first), Describe(status));
    }

    [Fact]
    public async Task Another_agent_takes_over_the_archive_when_the_archiver_dies()
    {
        await PublishAsync(1, SandboxReplication.Primary);
        var agents = await Task.WhenAll(StartAgentAsync(1), StartAgentAsync(2));
        var first = await WriteAsync(SandboxReplication.Primary);
        var holder = await WaitForHolderAsync(agents);
        await WaitForAsync(holder, s => Covers(s, first, first), "the first write archived");
        var status = await Task.WhenAll(agents.Select(a => a.Http.GetFromJsonAsync<BinlogArchiveStatus>("/archive", JsonSerializerOptions.Web)));
        Assert.Single(status, s => s!.Archiving);

        var other = agents.Single(a => a != holder);
        holder.Dispose();
        var killedAt = Stopwatch.StartNew();
        var last = await WriteAsync(SandboxReplication.Primary);
        var taken = await WaitForAsync(other, s => s.Archiving && Covers(s, first, last), "the other agent archiving");
        _output.WriteLine($"taken over and archived {last} {killedAt.ElapsedMilliseconds} ms after the archiver was killed");
        Assert.Empty(taken.Gaps);
    }

    [Fact]
    public async Task An_enabled_archive_without_a_usable_repository_or_tool_stops_the_agent_with_the_reasons()
    {
        using var agent = AgentHarness.StartProcess(SandboxReplication.Primary, _prefix, AgentHarness.NewStateDirectory(), cluster: Cluster,
            settings: new Dictionary<string, string?>
            {
                ["MYSQLHA_AGENT_BinlogArchive__Enabled"] = "true",
                ["MYSQLHA_AGENT_Backup__Repository"] = "relative/repository",
                ["MYSQLHA_AGENT_BinlogArchive__Tool"] = "/nonexistent/mariadb-binlog",
            });

        Assert.Equal(2, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Backup:Repository 'relative/repository' must be an absolute path", agent.Output);
        Assert.Contains("BinlogArchive:Tool '/nonexistent/mariadb-binlog' is not an absolute path to an existing program", agent.Output);
    }

    private async Task<AgentHarness> WaitForHolderAsync(IReadOnlyList<AgentHarness> agents)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ArchiveTimeout)
        {
            foreach (var agent in agents)
                if ((await agent.Http.GetFromJsonAsync<BinlogArchiveStatus>("/archive", JsonSerializerOptions.Web))!.Archiving) return agent;
            await Task.Delay(200);
        }
        throw new TimeoutException("no agent holds the archiver key");
    }

    private async Task<AgentHarness> StartAgentAsync(int instance)
    {
        var agent = await AgentHarness.StartAsync(SandboxSettings.Current.MariaDb[instance - 1], _prefix, cluster: Cluster, instance: $"db{instance}",
            settings: new Dictionary<string, string?>
            {
                ["MYSQLHA_AGENT_BinlogArchive__Enabled"] = "true",
                ["MYSQLHA_AGENT_BinlogArchive__UploadInterval"] = "00:00:00.5",
                ["MYSQLHA_AGENT_Backup__Repository"] = _repository,
            });
        _agents.Add(agent);
        return agent;
    }

    /// <summary>Publishes <paramref name="master"/> as the cluster's master, as the controller's TopologyPublisher writes it.</summary>
    private async Task PublishAsync(long version, ServerEndpoint master)
    {
        var topology = new PublishedTopology(Cluster, version, TopologyState.Serving,
            new ContainerGroup([new ContainerAddress(master.Host, master.Port, master.ToString())]), new ContainerGroup([]));
        await _etcd.Client.PutAsync(new PutRequest
        {
            Key = ByteString.CopyFromUtf8(_etcd.Keys.Topology(Cluster)),
            Value = ByteString.CopyFromUtf8(JsonSerializer.Serialize(topology)),
        });
    }

    /// <summary>Commits one row on <paramref name="server"/> and answers its GTID ("0-1-42").</summary>
    private static async Task<string> WriteAsync(ServerEndpoint server)
    {
        await SandboxReplication.ExecuteAsync(server,
            "CREATE DATABASE IF NOT EXISTS mysqlha_test; CREATE TABLE IF NOT EXISTS mysqlha_test.archived (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6)); INSERT INTO mysqlha_test.archived (at) VALUES (NOW(6))");
        return (await SandboxReplication.ScalarAsync<string>(server, "SELECT @@gtid_binlog_pos"))!;
    }

    private static async Task<string> CurrentFileAsync(ServerEndpoint server) => (await PositionAsync(server)).File;

    private static async Task<(string File, long Position)> PositionAsync(ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        await using var reader = await new MySqlConnector.MySqlCommand("SHOW MASTER STATUS", connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1));
    }

    /// <summary>The Gtid_list event of the master's oldest binlog file: every transaction before it is gone from the master.</summary>
    private static async Task<string> StartOfOldestFileAsync(ServerEndpoint server)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        var oldest = (string)(await new MySqlConnector.MySqlCommand("SHOW BINARY LOGS", connection).ExecuteScalarAsync())!;
        await using var reader = await new MySqlConnector.MySqlCommand($"SHOW BINLOG EVENTS IN '{oldest}' LIMIT 5", connection).ExecuteReaderAsync();
        while (await reader.ReadAsync())
            if (reader.GetString(2) == "Gtid_list") return reader.GetString(5).Trim('[', ']');
        throw new InvalidOperationException($"{oldest} has no Gtid_list event");
    }

    /// <summary>The arguments of the mariadb-binlog that <paramref name="agent"/> runs (its option file is in the agent's state folder).</summary>
    private static string[] StreamCommandLine(AgentHarness agent)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc").Where(f => Path.GetFileName(f).All(char.IsAsciiDigit)))
        {
            string[] arguments;
            try
            {
                arguments = File.ReadAllText(Path.Combine(folder, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                continue;
            }
            if (arguments.Length > 1 && arguments[0].EndsWith("mariadb-binlog", StringComparison.Ordinal)
                && arguments[1].StartsWith($"--defaults-file={agent.StateDirectory}", StringComparison.Ordinal))
                return arguments;
        }
        throw new InvalidOperationException($"no mariadb-binlog runs for the agent of {agent.StateDirectory}");
    }

    private static long Sequence(string gtid) => long.Parse(gtid.Split('-')[2]);

    /// <summary>True when one archived range of domain 0 holds every transaction from <paramref name="from"/> to <paramref name="to"/>.</summary>
    private static bool Covers(BinlogArchiveStatus status, string from, string to) =>
        status.Archived.Any(r => r.Domain == 0 && r.First <= Sequence(from) && r.Last >= Sequence(to));

    private async Task<BinlogArchiveStatus> WaitForAsync(AgentHarness agent, Func<BinlogArchiveStatus, bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        BinlogArchiveStatus? status = null;
        while (deadline.Elapsed < ArchiveTimeout)
        {
            status = await agent.Http.GetFromJsonAsync<BinlogArchiveStatus>("/archive", JsonSerializerOptions.Web);
            if (condition(status!)) return status!;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what}: not within {ArchiveTimeout}; last answer {(status is null ? "none" : Describe(status))}\n{agent.Output}");
    }

    private async Task<BinlogArchiveIndex> WaitForIndexAsync(Func<BinlogArchiveIndex, bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ArchiveTimeout)
        {
            var index = await ReadIndexAsync();
            if (condition(index)) return index;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what}: not within {ArchiveTimeout}: {JsonSerializer.Serialize(await ReadIndexAsync())}");
    }

    private async Task<BinlogArchiveIndex> ReadIndexAsync()
    {
        var path = Path.Combine(_repository, Cluster, "binlogs", "index.json");
        if (!File.Exists(path)) return BinlogArchiveIndex.Empty;
        return JsonSerializer.Deserialize<BinlogArchiveIndex>(await File.ReadAllTextAsync(path), JsonSerializerOptions.Web)!;
    }

    private static string Describe(BinlogArchiveStatus status) => JsonSerializer.Serialize(status);

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program}: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }

    private void DisposeAgents()
    {
        foreach (var agent in _agents) agent.Dispose();
        _agents.Clear();
    }

    public void Dispose()
    {
        DisposeAgents();
        _etcd.Dispose();
        if (Directory.Exists(_repository)) Directory.Delete(_repository, recursive: true);
    }
}
