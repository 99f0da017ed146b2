using System.Net;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Coordination.Election;
using MySqlHa.Tests.Agent;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Lifecycle;

namespace MySqlHa.Tests.Api;

/// <summary>LAIN's paired operations and every status, on the three sandbox MariaDB servers.</summary>
[Collection(ApiCollection.Name)]
public sealed class InstanceLifecycleTests(ApiFactory api) : IAsyncLifetime
{
    private const string ClusterName = "life";
    private readonly ClusterClient _client = new(api.CreateClient());
    private List<AgentHarness> _agents = null!;
    private Guid _cluster;

    public async Task InitializeAsync()
    {
        await api.ResetDataAsync();
        SandboxReplication.Reset();
        _cluster = await _client.RegisterSandboxClusterAsync(ClusterName);
        _agents = await api.AgentsForAsync(ClusterName);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<bool> IsReplicatingFromAsync(int replica, int source)
    {
        await using var connection = await SandboxReplication.OpenAsync(SandboxSettings.Current.MariaDb[replica]);
        await using var reader = await new MySqlConnector.MySqlCommand("SHOW SLAVE STATUS", connection).ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return false;
        return reader.GetInt32(reader.GetOrdinal("Master_Port")) == SandboxSettings.Current.MariaDb[source].Port
               && reader.GetString(reader.GetOrdinal("Slave_SQL_Running")) == "Yes";
    }

    [Fact]
    public async Task Replica_walks_register_activate_pause_resume_detach_unregister_with_the_server_following()
    {
        await _client.SucceedAsync(_cluster, "db1", "register", "master");
        await _client.WaitForStatusAsync(_cluster, "db1", "OK");
        await _client.SucceedAsync(_cluster, "db2", "register", "replica");
        var detached = await _client.WaitForStatusAsync(_cluster, "db2", "DETACHED");
        Assert.Contains("not under our control", (string?)detached["statusReason"]);

        var activated = await _client.SucceedAsync(_cluster, "db2", "activate");
        Assert.Equal("ReplicationActivated", (string?)activated["event"]);
        Assert.Equal("db1", (string?)activated["recorded"]!["source"]);
        await _client.WaitForStatusAsync(_cluster, "db2", "OK");
        Assert.True(await IsReplicatingFromAsync(1, 0));

        await _client.SucceedAsync(_cluster, "db2", "pause");
        await _client.WaitForStatusAsync(_cluster, "db2", "PAUSED");
        Assert.False(await IsReplicatingFromAsync(1, 0));
        await _client.SucceedAsync(_cluster, "db2", "resume");
        await _client.WaitForStatusAsync(_cluster, "db2", "OK");

        await _client.SucceedAsync(_cluster, "db2", "detach");
        await _client.WaitForStatusAsync(_cluster, "db2", "DETACHED");
        Assert.Null(await SandboxReplication.ScalarAsync<string>(SandboxSettings.Current.MariaDb[1], "SHOW SLAVE STATUS"));

        await _client.SucceedAsync(_cluster, "db2", "unregister");
        await _client.WaitForStatusAsync(_cluster, "db2", "UNREGISTERED");

        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = (await session.Events.FetchStreamAsync(_cluster)).Select(e => e.Data).ToList();
        var detachedEvent = events.OfType<ReplicationDetached>().Single();
        Assert.Equal(await SandboxReplication.ScalarAsync<string>(SandboxSettings.Current.MariaDb[1], "SELECT @@gtid_current_pos"), detachedEvent.GtidExecuted);
        Assert.Contains(events.OfType<InstanceStatusChanged>(), e => e is { Instance: "db2", From: InstanceStatus.Ok, To: InstanceStatus.Paused });
    }

    [Fact]
    public async Task Pausing_the_master_makes_it_read_only_and_resuming_makes_it_writable_again()
    {
        await _client.SucceedAsync(_cluster, "db1", "register", "master");
        await _client.WaitForStatusAsync(_cluster, "db1", "OK");

        var paused = await _client.SucceedAsync(_cluster, "db1", "pause");
        Assert.NotNull((string?)paused["recorded"]!["binlogFile"]);
        Assert.Equal(1, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
        await _client.WaitForStatusAsync(_cluster, "db1", "PAUSED");

        await _client.SucceedAsync(_cluster, "db1", "resume");
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxReplication.Primary, "SELECT @@read_only"));
        await _client.WaitForStatusAsync(_cluster, "db1", "OK");
    }

    [Fact]
    public async Task Activating_the_master_with_a_standby_makes_the_pair_mutual()
    {
        await _client.ArrangeMutualPairAsync(_cluster);
        Assert.True(await IsReplicatingFromAsync(0, 1));
        Assert.True(await IsReplicatingFromAsync(1, 0));
    }

    [Fact]
    public async Task Replica_that_follows_another_server_is_LOST_until_it_is_activated_again()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db3");

        // As if db3 had been down during a switch and still followed the old master: point it at db2 behind our back.
        var replication = SandboxSettings.Current.Replication;
        await SandboxReplication.ExecuteAsync(SandboxSettings.Current.MariaDb[2],
            $"STOP SLAVE; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={SandboxSettings.Current.MariaDb[1].Port}, " +
            $"MASTER_USER='{replication.User}', MASTER_PASSWORD='{replication.ReadPassword()}', MASTER_USE_GTID=slave_pos; START SLAVE");
        var lost = await _client.WaitForStatusAsync(_cluster, "db3", "LOST");
        Assert.Contains($"replicates from 127.0.0.1:{SandboxSettings.Current.MariaDb[1].Port}", (string?)lost["statusReason"]);

        await _client.SucceedAsync(_cluster, "db3", "detach");
        await _client.SucceedAsync(_cluster, "db3", "activate");
        await _client.WaitForStatusAsync(_cluster, "db3", "OK");
    }

    [Fact]
    public async Task Replica_held_behind_the_lag_threshold_is_SYNCING_and_OK_once_it_catches_up()
    {
        await SandboxReplication.WriteAndReplicateAsync();
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2");

        await using (await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]))
        {
            var syncing = await _client.WaitForStatusAsync(_cluster, "db2", "SYNCING");
            Assert.Contains("behind db1", (string?)syncing["statusReason"]);
        }
        await _client.WaitForStatusAsync(_cluster, "db2", "OK");
    }

    [Fact]
    public async Task Stopped_server_is_ERROR_and_OK_again_once_it_is_back()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db3");

        SandboxReplication.StopServer(3);
        try
        {
            var error = await _client.WaitForStatusAsync(_cluster, "db3", "ERROR");
            Assert.StartsWith("unreachable", (string?)error["statusReason"]);
        }
        finally
        {
            // Back as a crashed replica comes back (read-only, replication stopped), then put back to work by hand.
            SandboxReplication.StartServer(3);
        }
        await SandboxReplication.ExecuteAsync(SandboxSettings.Current.MariaDb[2], "START SLAVE");
        await _client.WaitForStatusAsync(_cluster, "db3", "OK", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Operations_that_do_not_fit_the_state_are_409_with_the_reason_and_record_nothing()
    {
        await _client.SucceedAsync(_cluster, "db1", "register", "master");
        var versionBefore = await ClusterVersionAsync();

        var cases = new (string Instance, string Operation, string? Role, string Reason)[]
        {
            ("db2", "register", "master", "'db1' is already the master"),
            ("db2", "activate", null, "'db2' is not registered"),
            ("db1", "resume", null, "'db1' is not paused"),
            ("db9", "pause", null, "no instance 'db9'"),
        };
        foreach (var (instance, operation, role, reason) in cases)
        {
            var (status, body) = await _client.OperateAsync(_cluster, instance, operation, role);
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Contains(reason, (string?)body["detail"]);
        }
        Assert.Equal(versionBefore, await ClusterVersionAsync());
    }

    [Fact]
    public async Task A_pause_whose_answer_was_lost_is_answered_from_the_agents_journal_when_retried_and_not_run_twice()
    {
        await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2");
        Cluster cluster;
        await using (var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession())
            cluster = (await session.LoadAsync<Cluster>(_cluster))!;
        var commandId = ServerActions.CommandId(cluster, new StopReplication("db2", ForgetSource: false));
        var token = api.Services.GetRequiredService<LeaderElection>().Lead().FencingToken;

        // The agent ran the leader's pause of db2, and its answer never reached the Api (nothing was recorded).
        var first = await _agents[1].SucceedAsync("stop-replication", new { commandId, forgetSource = false }, token);
        Assert.False(await IsReplicatingFromAsync(1, 0));
        // Had the retry run the command again, it would stop replication again, and read a newer position.
        await SandboxReplication.ExecuteAsync(SandboxSettings.Current.MariaDb[1], "START SLAVE");
        var now = await SandboxReplication.WriteAndReplicateAsync();

        var paused = await _client.SucceedAsync(_cluster, "db2", "pause");

        Assert.Equal((string?)first["outcome"]!["gtidExecuted"], (string?)paused["recorded"]!["gtidExecuted"]);
        Assert.NotEqual(now, (string?)paused["recorded"]!["gtidExecuted"]);
        Assert.True(await IsReplicatingFromAsync(1, 0));
        Assert.Contains($"stop-replication {commandId}: done (replayed: True)", _agents[1].Output);
        // Recorded, the pause moves db2's version: a resume and a second pause are new commands, run for real.
        await _client.SucceedAsync(_cluster, "db2", "resume");
        await _client.SucceedAsync(_cluster, "db2", "pause");
        Assert.False(await IsReplicatingFromAsync(1, 0));
    }

    [Fact]
    public async Task Pausing_a_master_that_replicates_from_another_server_is_refused_by_its_agent_502_and_records_nothing()
    {
        // db2 replicates from db1 (the sandbox's arrangement): registered as master, pausing it is MoHA's set-read-only on a non-master.
        await _client.SucceedAsync(_cluster, "db2", "register", "master");
        var versionBefore = await ClusterVersionAsync();

        var (status, body) = await _client.OperateAsync(_cluster, "db2", "pause");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("agent", (string?)body["title"]);
        Assert.Contains("db2's agent answered 409", (string?)body["detail"]);
        Assert.Contains("applies to a master only", (string?)body["detail"]);
        Assert.Equal(versionBefore, await ClusterVersionAsync());
        Assert.True(await IsReplicatingFromAsync(1, 0));
    }

    private async Task<long> ClusterVersionAsync()
    {
        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var streamState = await session.Events.FetchStreamStateAsync(_cluster);
        return streamState!.Version - (await session.Events.FetchStreamAsync(_cluster)).Count(e => e.Data is InstanceStatusChanged);
    }
}
