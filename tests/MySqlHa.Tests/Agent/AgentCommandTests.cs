using System.Text.Json.Nodes;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Agent;

/// <summary>Each agent command on the real sandbox servers, its idempotency and its fencing.</summary>
[Collection(SandboxCollection.Name)]
public sealed class AgentCommandTests : IAsyncLifetime
{
    private readonly string _prefix = $"/mysqlha-test-agent-commands-{Guid.NewGuid():N}";
    private readonly List<AgentHarness> _agents = [];

    public Task InitializeAsync()
    {
        SandboxReplication.Reset();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        return Task.CompletedTask;
    }

    private async Task<AgentHarness> AgentForAsync(int index)
    {
        var agent = await AgentHarness.StartAsync(SandboxSettings.Current.MariaDb[index], _prefix);
        _agents.Add(agent);
        return agent;
    }

    private static string Id() => Guid.NewGuid().ToString("N");

    private static Task<T?> OnServer<T>(int index, string sql) => SandboxReplication.ScalarAsync<T>(SandboxSettings.Current.MariaDb[index], sql);

    [Fact]
    public async Task Status_snapshot_gives_positions_and_replication_and_needs_the_token()
    {
        var agent = await AgentForAsync(1);

        var status = JsonNode.Parse(await agent.Http.GetStringAsync("/status"))!;
        agent.Http.DefaultRequestHeaders.Authorization = null;
        var anonymous = await agent.Http.GetAsync("/status");

        Assert.True((bool)status["readOnly"]!);
        Assert.Equal(await OnServer<string>(1, "SELECT @@gtid_current_pos"), (string?)status["gtidExecuted"]);
        Assert.NotNull((string?)status["binaryLog"]!["file"]);
        Assert.Equal("Running", (string?)status["replication"]!["ioThread"]);
        Assert.Equal(0, (long?)status["replication"]!["secondsBehindSource"]);
        Assert.Equal(401, (int)anonymous.StatusCode);
    }

    [Fact]
    public async Task Set_read_only_and_read_write_act_on_a_master_and_are_refused_on_a_replica()
    {
        var master = await AgentForAsync(0);
        var replica = await AgentForAsync(1);

        var readOnly = await master.SucceedAsync("set-read-only", new { commandId = Id() });
        Assert.True((bool)readOnly["outcome"]!["readOnly"]!);
        Assert.Equal(1, await OnServer<int>(0, "SELECT @@read_only"));
        await master.SucceedAsync("set-read-write", new { commandId = Id() });
        Assert.Equal(0, await OnServer<int>(0, "SELECT @@read_only"));

        var (status, refusal) = await replica.CommandAsync("set-read-write", new { commandId = Id() });
        Assert.Equal(409, status);
        Assert.Contains("replicates from", (string?)refusal!["detail"]);
        Assert.Equal(1, await OnServer<int>(1, "SELECT @@read_only"));
    }

    [Fact]
    public async Task Change_master_repoints_a_replica_and_wait_for_gtid_says_when_a_position_is_applied()
    {
        var replica = await AgentForAsync(2);
        var newSource = SandboxSettings.Current.MariaDb[1];

        var changed = await replica.SucceedAsync("change-master", new { commandId = Id(), sourceHost = newSource.Host, sourcePort = newSource.Port });
        Assert.Equal(newSource.ToString(), (string?)changed["detail"]!["source"]);
        var position = await SandboxReplication.WriteAndReplicateAsync();

        var reached = await replica.SucceedAsync("wait-for-gtid", new { commandId = Id(), gtidSet = position, timeoutSeconds = 10 });
        var notYet = await replica.SucceedAsync("wait-for-gtid", new { commandId = Id(), gtidSet = "0-1-999999", timeoutSeconds = 1 });

        Assert.Equal(newSource.Port, await ReplicaSourcePortAsync(2));
        Assert.True((bool)reached["detail"]!["reached"]!);
        Assert.Equal(position, (string?)reached["outcome"]!["gtidExecuted"]);
        Assert.False((bool)notYet["detail"]!["reached"]!);
    }

    [Fact]
    public async Task Stop_and_start_replication_and_promote_leave_the_server_as_asked()
    {
        var replica = await AgentForAsync(1);

        await replica.SucceedAsync("stop-replication", new { commandId = Id() });
        Assert.Equal("No", await ReplicaColumnAsync(1, "Slave_SQL_Running"));
        await replica.SucceedAsync("start-replication", new { commandId = Id() });
        Assert.Equal("Yes", await ReplicaColumnAsync(1, "Slave_SQL_Running"));

        var promoted = await replica.SucceedAsync("promote", new { commandId = Id(), relayLogTimeoutSeconds = 10 });

        Assert.False((bool)promoted["outcome"]!["readOnly"]!);
        Assert.Null(await ReplicaColumnAsync(1, "Slave_SQL_Running"));
        Assert.Equal(0, await OnServer<int>(1, "SELECT @@read_only"));
    }

    [Fact]
    public async Task Promote_applies_everything_received_even_what_arrives_while_it_runs()
    {
        await SandboxReplication.WriteAndReplicateAsync();
        var replica = await AgentForAsync(1);
        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);
        using var stop = new CancellationTokenSource();
        // Writes keep reaching db2's relay log while it is promoted; a sampler keeps the last received position it saw.
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "INSERT INTO mysqlha_test.marks VALUES ()");
        });
        var lastReceived = "";
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && await ReplicaColumnAsync(1, "Gtid_IO_Pos") is { } received) lastReceived = received;
        });
        while (GtidSets.Missing(DatabaseFlavor.MariaDb, lastReceived, await OnServer<string>(1, "SELECT @@gtid_current_pos") ?? "").Length == 0)
            await Task.Delay(50);

        var promotion = replica.SucceedAsync("promote", new { commandId = Id(), relayLogTimeoutSeconds = 60 });
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(promotion.IsCompleted, "promoted while received transactions were still unapplied");
        await heldBack.ReleaseAsync();
        var promoted = await promotion;
        await stop.CancelAsync();
        await Task.WhenAll(writer, sampler);

        var executed = await OnServer<string>(1, "SELECT @@gtid_current_pos") ?? "";
        Assert.Equal("", GtidSets.Missing(DatabaseFlavor.MariaDb, lastReceived, executed));
        Assert.Equal("", GtidSets.Missing(DatabaseFlavor.MariaDb, (string)promoted["detail"]!["receivedGtidSet"]!, executed));
        Assert.Null(await ReplicaColumnAsync(1, "Slave_SQL_Running"));
        Assert.Equal(0, await OnServer<int>(1, "SELECT @@read_only"));
    }

    [Fact]
    public async Task Promote_that_cannot_apply_what_it_received_in_time_is_refused_and_leaves_the_replica_receiving()
    {
        await SandboxReplication.WriteAndReplicateAsync();
        var replica = await AgentForAsync(1);
        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);
        while (GtidSets.Missing(DatabaseFlavor.MariaDb, await ReplicaColumnAsync(1, "Gtid_IO_Pos") ?? "",
                   await OnServer<string>(1, "SELECT @@gtid_current_pos") ?? "").Length == 0)
            await Task.Delay(50);

        var (status, body) = await replica.CommandAsync("promote", new { commandId = Id(), relayLogTimeoutSeconds = 1 });

        Assert.Equal(502, status);
        Assert.Contains("not promoted", (string?)body?["detail"]);
        Assert.Equal(1, await OnServer<int>(1, "SELECT @@read_only"));
        Assert.Equal("Yes", await ReplicaColumnAsync(1, "Slave_IO_Running"));
    }

    [Fact]
    public async Task Fence_proves_a_master_read_only_with_every_client_session_ended()
    {
        var master = await AgentForAsync(0);
        // An application's session (the control plane's own user is spared: the agent and the monitor use it).
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            "SET SESSION sql_log_bin = 0; CREATE USER IF NOT EXISTS 'mysqlha_test_fence_app'@'127.0.0.1' IDENTIFIED BY 'app-password'; " +
            "GRANT ALL ON *.* TO 'mysqlha_test_fence_app'@'127.0.0.1'");
        await using var client = new MySqlConnection(
            $"Server=127.0.0.1;Port={SandboxReplication.Primary.Port};User ID=mysqlha_test_fence_app;Password=app-password;Pooling=false");
        await client.OpenAsync();

        var fenced = await master.SucceedAsync("fence", new { commandId = Id() });

        Assert.Equal("ReadOnly", (string?)fenced["detail"]!["proof"]);
        Assert.True((int)fenced["detail"]!["sessionsEnded"]! >= 1);
        Assert.True((bool)fenced["outcome"]!["readOnly"]!);
        Assert.Equal(1, await OnServer<int>(0, "SELECT @@read_only"));
        await Assert.ThrowsAnyAsync<MySqlException>(() => new MySqlCommand("SELECT 1", client).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Fence_of_a_mutual_pairs_master_needs_mutual_and_then_proves_it_read_only()
    {
        var master = await AgentForAsync(0);
        var standby = SandboxSettings.Current.MariaDb[1];
        await master.SucceedAsync("change-master", new { commandId = Id(), sourceHost = standby.Host, sourcePort = standby.Port });

        var (refused, _) = await master.CommandAsync("fence", new { commandId = Id() });
        var fenced = await master.SucceedAsync("fence", new { commandId = Id(), mutual = true });

        Assert.Equal(409, refused);
        Assert.Equal("ReadOnly", (string?)fenced["detail"]!["proof"]);
        Assert.Equal(1, await OnServer<int>(0, "SELECT @@read_only"));
    }

    [Fact]
    public async Task Fence_reports_a_killed_mysqld_gone_and_kills_a_stopped_one_to_prove_it_gone()
    {
        var killed = await AgentForAsync(1);
        var stopped = await AgentForAsync(2);
        var stoppedPid = File.ReadAllText(Path.Combine(SandboxSettings.Current.SandboxFolder, "mariadb3", "mariadbd.pid")).Trim();
        var stoppedPort = SandboxSettings.Current.MariaDb[2].Port;
        try
        {
            SandboxReplication.StopServer(2);
            SandboxReplication.SuspendServer(3);

            var gone = await killed.SucceedAsync("fence", new { commandId = Id() });
            var stonith = await stopped.SucceedAsync("fence", new { commandId = Id() });

            Assert.Equal("ProcessGone", (string?)gone["detail"]!["proof"]);
            Assert.Contains($"nothing listens on port {SandboxSettings.Current.MariaDb[1].Port}", (string?)gone["detail"]!["evidence"]);
            Assert.Equal("ProcessGone", (string?)stonith["detail"]!["proof"]);
            Assert.Contains($"process {stoppedPid} was stopped", (string?)stonith["detail"]!["evidence"]);
            Assert.Contains("killed (SIGKILL) by its agent", (string?)stonith["detail"]!["evidence"]);
            Assert.True(await RefusesConnectionsWithinAsync(stoppedPort, TimeSpan.FromSeconds(5)), $"port {stoppedPort} still takes connections");
        }
        finally
        {
            SandboxReplication.RestartStoppedServers();
        }
    }

    /// <summary>The killed process's last threads may hold its listening socket a moment after the fence answered.</summary>
    private static async Task<bool> RefusesConnectionsWithinAsync(int port, TimeSpan limit)
    {
        for (var deadline = DateTime.UtcNow + limit; DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return true;
            }
        }
        return false;
    }

    [Fact]
    public async Task Fence_refuses_a_port_held_by_a_process_that_does_not_answer_and_is_not_stopped()
    {
        var agent = await AgentForAsync(2);
        try
        {
            SandboxReplication.StopServer(3);
            // This test's own process, running, takes mysqld's port and never greets a client: hung, not stopped.
            var impostor = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, SandboxSettings.Current.MariaDb[2].Port);
            impostor.Start();
            try
            {
                var (status, problem) = await agent.CommandAsync("fence", new { commandId = Id() });

                Assert.Equal(503, status);
                Assert.Contains("not stopped still listens", (string?)problem?["detail"]);
            }
            finally
            {
                impostor.Stop();
            }
        }
        finally
        {
            SandboxReplication.RestartStoppedServers();
        }
    }

    [Fact]
    public async Task Kill_connections_ends_client_sessions_but_spares_ours_and_replication()
    {
        var master = await AgentForAsync(0);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            "SET SESSION sql_log_bin = 0; CREATE USER IF NOT EXISTS 'mysqlha_test_app'@'127.0.0.1' IDENTIFIED BY 'app-password'; " +
            "GRANT SELECT ON *.* TO 'mysqlha_test_app'@'127.0.0.1'");
        var appConnectionString = $"Server=127.0.0.1;Port={SandboxReplication.Primary.Port};User ID=mysqlha_test_app;Password=app-password;Pooling=false";
        await using var first = new MySqlConnection(appConnectionString);
        await using var second = new MySqlConnection(appConnectionString);
        await first.OpenAsync();
        await second.OpenAsync();

        var answer = await master.SucceedAsync("kill-connections", new { commandId = Id() });

        Assert.True((int)answer["detail"]!["killed"]! >= 2);
        await Assert.ThrowsAnyAsync<Exception>(() => new MySqlCommand("SELECT 1", first).ExecuteScalarAsync());
        await SandboxReplication.WriteAndReplicateAsync();
    }

    [Fact]
    public async Task Freeze_makes_the_master_read_only_and_ends_the_sessions_read_only_does_not_bind_before_it_reads_the_position()
    {
        var master = await AgentForAsync(0);
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            "CREATE DATABASE IF NOT EXISTS mysqlha_test; CREATE TABLE IF NOT EXISTS mysqlha_test.marks (id INT AUTO_INCREMENT PRIMARY KEY); " +
            "SET SESSION sql_log_bin = 0; CREATE USER IF NOT EXISTS 'mysqlha_test_freeze_ro_admin'@'127.0.0.1' IDENTIFIED BY 'app-password'; " +
            "GRANT INSERT ON mysqlha_test.* TO 'mysqlha_test_freeze_ro_admin'@'127.0.0.1'; GRANT READ_ONLY ADMIN ON *.* TO 'mysqlha_test_freeze_ro_admin'@'127.0.0.1'");
        await using var privileged = new MySqlConnection(
            $"Server=127.0.0.1;Port={SandboxReplication.Primary.Port};User ID=mysqlha_test_freeze_ro_admin;Password=app-password;Pooling=false");
        await privileged.OpenAsync();
        // A transaction open when the freeze comes: read_only alone would let this user commit it.
        await new MySqlCommand("BEGIN; INSERT INTO mysqlha_test.marks VALUES ()", privileged).ExecuteNonQueryAsync();

        var answer = await master.SucceedAsync("freeze", new { commandId = Id() });

        Assert.True((bool)answer["outcome"]!["readOnly"]!);
        Assert.True((int)answer["detail"]!["sessionsEnded"]! >= 1);
        Assert.Empty(answer["detail"]!["stillConnected"]!.AsArray());
        await Assert.ThrowsAnyAsync<Exception>(() => new MySqlCommand("COMMIT", privileged).ExecuteNonQueryAsync());
        Assert.Equal((string?)answer["outcome"]!["gtidExecuted"], await OnServer<string>(0, "SELECT @@gtid_current_pos"));
        Assert.Equal(1, await OnServer<int>(0, "SELECT @@read_only"));
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "SET GLOBAL read_only = OFF");
    }

    [Fact]
    public async Task A_retried_command_id_gets_the_first_answer_without_running_again()
    {
        var master = await AgentForAsync(0);
        var commandId = Id();
        var first = await master.SucceedAsync("set-read-only", new { commandId });
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "SET GLOBAL read_only = OFF");

        var retry = await master.SucceedAsync("set-read-only", new { commandId });
        var (reusedStatus, _) = await master.CommandAsync("promote", new { commandId, relayLogTimeoutSeconds = 10 });

        Assert.False((bool)first["replayed"]!);
        Assert.True((bool)retry["replayed"]!);
        Assert.Equal((string?)first["completedAt"], (string?)retry["completedAt"]);
        Assert.Equal(0, await OnServer<int>(0, "SELECT @@read_only"));
        Assert.Equal(409, reusedStatus);
    }

    [Fact]
    public async Task Host_commands_stream_their_output_and_exit_code_and_can_be_cancelled()
    {
        var agent = await AgentForAsync(0);

        var echoed = await RunAsync(agent, new { commandId = Id(), arguments = new[] { "/bin/echo", "backup", "done" }, timeoutSeconds = 10 });
        Assert.Equal("backup done", (string?)echoed[0]["line"]);
        Assert.Equal(0, (int)echoed[^1]["exitCode"]!);

        var sleepId = Id();
        var sleeping = RunAsync(agent, new { commandId = sleepId, arguments = new[] { "/bin/sleep", "30" }, timeoutSeconds = 60 });
        await Task.Delay(500);
        using var cancel = new HttpRequestMessage(HttpMethod.Delete, $"/commands/run/{sleepId}");
        cancel.Headers.Add("X-Fencing-Token", "1");
        Assert.Equal(202, (int)(await agent.Http.SendAsync(cancel)).StatusCode);
        var cancelled = await sleeping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((bool)cancelled[^1]["cancelled"]!);

        var (refused, problem) = await agent.CommandAsync("run", new { commandId = Id(), arguments = new[] { "/bin/rm", "-rf", "/" }, timeoutSeconds = 10 });
        Assert.Equal(400, refused);
        Assert.Contains("not in the agent's AllowedCommands", (string?)problem!["detail"]);
    }

    private static async Task<List<JsonNode>> RunAsync(AgentHarness agent, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/commands/run") { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("X-Fencing-Token", "1");
        using var response = await agent.Http.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Select(line => JsonNode.Parse(line)!).ToList();
    }

    private static async Task<string?> ReplicaColumnAsync(int index, string column)
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxSettings.Current.MariaDb[index]);
        await using var reader = await new MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        return await reader.ReadAsync() ? Convert.ToString(reader.GetValue(reader.GetOrdinal(column))) : null;
    }

    private static async Task<int> ReplicaSourcePortAsync(int index) => int.Parse((await ReplicaColumnAsync(index, "Master_Port"))!);
}
