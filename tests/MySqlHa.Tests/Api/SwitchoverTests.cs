using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Switchover;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Api;

/// <summary>Planned switchovers through real agents on the three sandbox servers.</summary>
[Collection(ApiCollection.Name)]
public sealed class SwitchoverTests(ApiFactory api) : IAsyncLifetime
{
    private const string ClusterName = "switch";
    private readonly ClusterClient _client = new(api.CreateClient());
    private readonly List<AgentHarness> _agents = [];
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
        _cluster = await _client.RegisterSandboxClusterAsync(ClusterName);
        _agents.AddRange(await AgentHarness.StartBesideEachServerAsync(ApiFactory.EtcdPrefix, ClusterName));
    }

    public Task DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        return Task.CompletedTask;
    }

    private static Task<int> ReadOnlyAsync(int index) => SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[index], "SELECT @@read_only");

    private static async Task<int?> SourcePortAsync(int index)
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxSettings.Current.MariaDb[index]);
        await using var reader = await new MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        return await reader.ReadAsync() && reader.GetString(reader.GetOrdinal("Slave_SQL_Running")) == "Yes"
            ? Convert.ToInt32(reader.GetValue(reader.GetOrdinal("Master_Port"))) : null;
    }

    private async Task<Guid> StartAsync(object body, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var response = await _client.Http.PostAsJsonAsync($"/api/clusters/{_cluster}/switchover", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {text}");
        return expected == HttpStatusCode.Accepted ? Guid.Parse((string)JsonNode.Parse(text)!["operationId"]!) : Guid.Empty;
    }

    private Task<JsonNode> WaitForEndAsync(Guid operation) => _client.WaitForOperationEndAsync(operation);

    [Fact]
    public async Task Switchover_to_a_named_replica_promotes_it_repoints_the_others_and_records_both_positions()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
        await SandboxReplication.WriteAndReplicateAsync();

        var operation = await WaitForEndAsync(await StartAsync(new { candidate = "db3" }));

        Assert.Equal("completed", (string?)operation["state"]);
        var frozen = Step(operation, nameof(OldMasterFrozen));
        var caughtUp = Step(operation, nameof(CandidateCaughtUp));
        var promoted = Step(operation, nameof(ReplicaPromoted));
        Assert.Equal((string?)frozen["gtidExecuted"], (string?)caughtUp["gtidExecuted"]);
        Assert.NotNull((string?)frozen["binlogFile"]);
        Assert.NotNull((string?)promoted["binlogFile"]);
        Assert.Equal(0, await ReadOnlyAsync(2));
        Assert.Equal(1, await ReadOnlyAsync(0));
        Assert.Null(await SourcePortAsync(2));
        Assert.Equal(SandboxSettings.Current.MariaDb[2].Port, await SourcePortAsync(0));
        Assert.Equal(SandboxSettings.Current.MariaDb[2].Port, await SourcePortAsync(1));

        await SandboxReplication.ExecuteAsync(SandboxSettings.Current.MariaDb[2], "INSERT INTO mysqlha_test.marks VALUES ()");
        var newPosition = await SandboxReplication.ScalarAsync<string>(SandboxSettings.Current.MariaDb[2], "SELECT @@gtid_binlog_pos");
        foreach (var follower in new[] { 0, 1 })
            Assert.Equal(0, await SandboxReplication.ScalarAsync<long>(SandboxSettings.Current.MariaDb[follower], $"SELECT MASTER_GTID_WAIT('{newPosition}', 10)"));

        await _client.WaitForStatusAsync(_cluster, "db3", "OK");
        await _client.WaitForStatusAsync(_cluster, "db1", "OK");
        var clusters = JsonNode.Parse(await _client.Http.GetStringAsync("/api/clusters"))!.AsArray();
        var roles = clusters.Single()!["instances"]!.AsArray().ToDictionary(i => (string)i!["name"]!, i => (string?)i!["role"]);
        Assert.Equal("master", roles["db3"]);
        Assert.Equal("replica", roles["db1"]);

        using var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = ApiFactory.EtcdPrefix });
        var records = await etcd.Client.GetRangeValAsync($"{ApiFactory.EtcdPrefix}/clusters/{ClusterName}/switch/");
        var record = JsonNode.Parse(records[etcd.Keys.SwitchRecord(ClusterName, Guid.Parse((string)operation["id"]!))])!;
        Assert.Equal("db3", (string?)record["newMaster"]);
        Assert.Equal((string?)promoted["gtidExecuted"], (string?)record["gtidExecuted"]);
        var topology = JsonNode.Parse(await etcd.Client.GetValAsync(etcd.Keys.Topology(ClusterName)))!;
        Assert.Equal(SandboxSettings.Current.MariaDb[2].Port, (int?)topology["master"]!["containers"]![0]!["container_port"]);
        Assert.Equal("serving", (string?)topology["state"]);
    }

    [Fact]
    public async Task Switchover_without_a_candidate_goes_to_the_standby_and_keeps_the_pair_mutual()
    {
        await _client.ArrangeMutualPairAsync(_cluster);

        var operation = await WaitForEndAsync(await StartAsync(new { }));

        Assert.Equal("completed", (string?)operation["state"]);
        Assert.Equal("db2", (string?)Step(operation, nameof(SwitchoverPreChecked))["candidate"]);
        Assert.Equal(0, await ReadOnlyAsync(1));
        Assert.Equal(SandboxSettings.Current.MariaDb[1].Port, await SourcePortAsync(0));
        Assert.Equal(SandboxSettings.Current.MariaDb[0].Port, await SourcePortAsync(1));
        await _client.WaitForStatusAsync(_cluster, "db2", "OK");
        await _client.WaitForStatusAsync(_cluster, "db1", "OK");
    }

    [Fact]
    public async Task Candidate_that_cannot_catch_up_aborts_the_switchover_and_the_old_master_is_writable_again()
    {
        await SandboxReplication.WriteAndReplicateAsync();
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2");
        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);

        var operationId = await StartAsync(new { candidate = "db2", catchUpTimeoutSeconds = 3 });
        await StartAsync(new { candidate = "db2" }, HttpStatusCode.Conflict);
        var operation = await WaitForEndAsync(operationId);
        await heldBack.ReleaseAsync();

        Assert.Equal("aborted", (string?)operation["state"]);
        var aborted = Step(operation, nameof(SwitchoverAborted));
        Assert.Equal("catch-up", (string?)aborted["step"]);
        Assert.True((bool)aborted["oldMasterWritable"]!);
        Assert.Equal(0, await ReadOnlyAsync(0));
        Assert.Equal(1, await ReadOnlyAsync(1));
        Assert.Equal(SandboxReplication.Primary.Port, await SourcePortAsync(1));
        using var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = ApiFactory.EtcdPrefix });
        Assert.Equal("serving", (string?)JsonNode.Parse(await etcd.Client.GetValAsync(etcd.Keys.Topology(ClusterName)))!["state"]);
    }

    [Fact]
    public async Task Candidate_stopped_mid_way_aborts_the_switchover_and_the_old_master_is_writable_again()
    {
        await SandboxReplication.WriteAndReplicateAsync();
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2");
        await using (await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]))
        {
            var operationId = await StartAsync(new { candidate = "db2", catchUpTimeoutSeconds = 60 });
            for (var i = 0; i < 100 && !(await _client.Http.GetStringAsync($"/api/operations/{operationId}")).Contains(nameof(OldMasterFrozen)); i++)
                await Task.Delay(100);

            SandboxReplication.StopServer(2);
            try
            {
                var operation = await WaitForEndAsync(operationId);

                Assert.Equal("aborted", (string?)operation["state"]);
                Assert.Equal("catch-up", (string?)Step(operation, nameof(SwitchoverAborted))["step"]);
                Assert.True((bool)Step(operation, nameof(SwitchoverAborted))["oldMasterWritable"]!);
                Assert.Equal(0, await ReadOnlyAsync(0));
            }
            finally
            {
                SandboxReplication.RunEnvScript("up");
            }
        }
    }

    [Fact]
    public async Task Open_transaction_past_the_bound_aborts_the_switchover_unless_sessions_may_be_ended()
    {
        await SandboxReplication.WriteAndReplicateAsync();
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2");
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary,
            "SET SESSION sql_log_bin = 0; CREATE USER IF NOT EXISTS 'mysqlha_test_writer'@'127.0.0.1' IDENTIFIED BY 'writer-password'; " +
            "GRANT SELECT, INSERT ON mysqlha_test.* TO 'mysqlha_test_writer'@'127.0.0.1'");
        await using var application = new MySqlConnection(
            $"Server=127.0.0.1;Port={SandboxReplication.Primary.Port};User ID=mysqlha_test_writer;Password=writer-password;Pooling=false");
        await application.OpenAsync();
        await new MySqlCommand("BEGIN; INSERT INTO mysqlha_test.marks VALUES ()", application).ExecuteNonQueryAsync();

        var refused = await WaitForEndAsync(await StartAsync(new { candidate = "db2", transactionWaitSeconds = 1 }));
        Assert.Equal("aborted", (string?)refused["state"]);
        Assert.Equal("drain", (string?)Step(refused, nameof(SwitchoverAborted))["step"]);
        Assert.Contains("mysqlha_test_writer", (string?)Step(refused, nameof(SwitchoverAborted))["reason"]);
        Assert.Equal(0, await ReadOnlyAsync(0));

        var forced = await WaitForEndAsync(await StartAsync(new { candidate = "db2", transactionWaitSeconds = 1, killSessions = true }));
        Assert.Equal("completed", (string?)forced["state"]);
        Assert.True((int)Step(forced, nameof(OldMasterFrozen))["sessionsKilled"]! >= 1);
        await Assert.ThrowsAnyAsync<Exception>(() => new MySqlCommand("COMMIT", application).ExecuteNonQueryAsync());
        Assert.Equal(0, await ReadOnlyAsync(1));
    }

    [Fact]
    public async Task Dry_run_answers_the_plan_and_changes_nothing()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
        var eventsBefore = await EventCountAsync();

        var plan = JsonNode.Parse(await (await _client.Http.PostAsJsonAsync($"/api/clusters/{_cluster}/switchover?dryRun=true", new { })).Content.ReadAsStringAsync())!;
        var refused = JsonNode.Parse(await (await _client.Http.PostAsJsonAsync($"/api/clusters/{_cluster}/switchover?dryRun=true", new { candidate = "db9" })).Content.ReadAsStringAsync())!;

        Assert.True((bool)plan["wouldRun"]!);
        Assert.Equal("db1", (string?)plan["oldMaster"]);
        Assert.Contains((string?)plan["candidate"], new[] { "db2", "db3" });
        Assert.False((bool)refused["wouldRun"]!);
        Assert.Contains("not a registered standby or replica", (string?)refused["refusal"]);
        Assert.Equal(0, await ReadOnlyAsync(0));
        Assert.Equal(eventsBefore, await EventCountAsync());
    }

    private async Task<int> EventCountAsync()
    {
        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(_cluster)).Count(e => e.Data is not MySqlHa.Workflows.Clusters.InstanceStatusChanged);
    }
}
