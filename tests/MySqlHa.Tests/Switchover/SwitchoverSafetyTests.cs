using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Topology;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Failover;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Switchover;
using Xunit.Abstractions;
using SwitchoverSaga = MySqlHa.Workflows.Switchover.Switchover;
using static MySqlHa.Tests.Api.OperationSteps;

namespace MySqlHa.Tests.Switchover;

/// <summary>
/// Planned switchovers with writers going through the proxy and an observer sampling every server, the whole time
/// (the rig of the fault tests: the Api, an agent beside each server, the proxy; db1 master, db2 and db3 replicas).
/// Whatever happens, no acknowledged write is lost, never two servers are writable, and the operation's record
/// never says completed when the freeze did not hold.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SwitchoverSafetyTests(ApiFactory api, ITestOutputHelper output) : IAsyncLifetime
{
    private FailoverRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await FailoverRig.StartAsync(api);
        await SandboxReplication.WriteAndReplicateAsync();
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private void Report(WriteLoad load)
    {
        foreach (var account in load.Attempts.GroupBy(a => a.User))
            output.WriteLine($"  {account.Key}: {account.Count(a => a.Outcome == WriteOutcome.Acknowledged)} acknowledged, " +
                $"{account.Count(a => a.Outcome == WriteOutcome.Failed)} failed, {account.Count(a => a.Outcome == WriteOutcome.Unknown)} unknown");
    }

    private static async Task EndSessionsOfAsync(MySqlHa.Replication.Servers.ServerEndpoint server, string user)
    {
        await using var connection = await SandboxReplication.OpenAsync(server);
        var sessions = new List<long>();
        await using (var list = new MySqlCommand($"SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '{user}' AND ID <> CONNECTION_ID()", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) sessions.Add(Convert.ToInt64(reader.GetValue(0)));
        foreach (var id in sessions)
        {
            try { await new MySqlCommand($"KILL CONNECTION {id}", connection).ExecuteNonQueryAsync(); }
            catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.NoSuchThread) { /* it ended by itself */ }
        }
    }

    [Fact]
    public async Task Switchover_under_writers_of_every_privilege_level_on_long_lived_pooled_sessions_loses_no_acknowledged_write()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort, ApplicationAccount.EveryPrivilegeLevel, ConnectionStyle.LongLivedPooled);
        await load.WaitForAcknowledgedAsync(40, TimeSpan.FromSeconds(20));

        var operation = await _rig.WaitForOperationEndAsync(await _rig.StartSwitchoverAsync(new { candidate = "db2" }));
        var ended = DateTimeOffset.UtcNow;
        await load.WaitForAcknowledgedAsync(40, TimeSpan.FromSeconds(20));

        Assert.True((string?)operation["state"] == "completed", operation.ToJsonString());
        var frozen = (string?)Step(operation, nameof(OldMasterFrozen))["gtidExecuted"];
        Assert.Equal(frozen, (string?)Step(operation, nameof(CandidateCaughtUp))["gtidExecuted"]);
        Assert.All(Steps(operation, nameof(OldMasterFreezeVerified)), verified => Assert.Equal(frozen, (string?)verified["gtidExecuted"]));
        Assert.Equal(new string?[] { "before-promotion", "at-repoint" }, Steps(operation, nameof(OldMasterFreezeVerified)).Select(v => (string?)v["moment"]));
        Report(load);
        // Every account, READ ONLY ADMIN and ALL included, wrote on the new master once the switch was over.
        Assert.All(ApplicationAccount.EveryPrivilegeLevel, account => Assert.Contains(load.Attempts,
            a => a.User == account.User && a.At > ended && a.Outcome == WriteOutcome.Acknowledged && a.ServerPort == FailoverRig.Server("db2").Port));
        await FaultInvariants.AssertAsync("db2", ["db1", "db3"], load, observer, ended, output);
        Assert.Empty(observer.TwoWritableSince(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task A_write_on_the_old_master_after_its_freeze_aborts_the_switchover_before_promotion()
    {
        await using var observer = WritableObserver.Start();
        // The candidate's applier is held back, so that the leak below lands between the freeze and the promotion.
        await using var heldBack = await HeldBackReplica.HoldAsync(FailoverRig.Server("db2"));
        var operationId = await _rig.StartSwitchoverAsync(new { candidate = "db2", catchUpTimeoutSeconds = 30 });
        await _rig.Client.WaitForStepAsync(operationId, nameof(SwitchoverPreChecked));
        await SandboxReplication.WaitForCatchUpAsync(FailoverRig.Server("db2"), TimeSpan.FromSeconds(20));

        // An application account that read_only does not bind, straight to the old master (no proxy holds it back).
        await using (var leak = new MySqlConnection($"Server=127.0.0.1;Port={FailoverRig.Server("db1").Port};User ID=mysqlha_test_all;" +
            $"Password={ApplicationAccount.Password};Pooling=false"))
        {
            await leak.OpenAsync();
            await new MySqlCommand($"INSERT INTO {WriteLoad.Table} (id) VALUES (42)", leak).ExecuteNonQueryAsync();
        }
        await heldBack.ReleaseAsync();
        var operation = await _rig.WaitForOperationEndAsync(operationId);

        Assert.True((string?)operation["state"] == "aborted", operation.ToJsonString());
        var aborted = Step(operation, nameof(SwitchoverAborted));
        output.WriteLine($"aborted at {aborted["step"]}: {aborted["reason"]}");
        Assert.Contains((string?)aborted["step"], new[] { "catch-up", "verify-freeze" });
        Assert.Contains("after its freeze", (string?)aborted["reason"]);
        Assert.Empty(Steps(operation, nameof(ReplicaPromoted)));
        Assert.True((bool)aborted["oldMasterWritable"]!);
        Assert.Equal(0, await FailoverRig.ReadOnlyAsync("db1"));
        Assert.Equal(1, await FailoverRig.ReadOnlyAsync("db2"));
        Assert.Equal(FailoverRig.Server("db1").Port, await FailoverRig.SourcePortAsync("db2"));
        // The leaked write stays on the master, which stays the master: nothing is lost, and the replicas get it.
        await using var load = WriteLoad.Start(_rig.ReadWritePort, writers: 1);
        await load.WaitForAcknowledgedAsync(5, TimeSpan.FromSeconds(20));
        await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, DateTimeOffset.MinValue, output);
        Assert.Equal(1, await SandboxReplication.ScalarAsync<long>(FailoverRig.Server("db2"), $"SELECT COUNT(*) FROM {WriteLoad.Table} WHERE id = 42"));
    }

    [Fact]
    public async Task A_session_that_keeps_writing_on_the_old_master_ends_the_switchover_aborted_or_needing_attention_never_completed()
    {
        await using var observer = WritableObserver.Start();
        using var stop = new CancellationTokenSource();
        // A privileged client beside the proxy that reconnects as fast as it can and writes whenever it gets in.
        var leaked = new List<long>();
        var leaking = Task.Run(async () =>
        {
            for (var id = 1L; !stop.IsCancellationRequested; id++)
            {
                try
                {
                    await using var connection = new MySqlConnection($"Server=127.0.0.1;Port={FailoverRig.Server("db1").Port};User ID=mysqlha_test_ro_admin;" +
                        $"Password={ApplicationAccount.Password};Pooling=false");
                    await connection.OpenAsync();
                    await new MySqlCommand($"INSERT INTO {WriteLoad.Table} (id) VALUES ({id})", connection).ExecuteNonQueryAsync();
                    leaked.Add(id);
                }
                catch (MySqlException)
                {
                    // Killed, refused, or the server is read-only to it: try again at once.
                }
            }
        });
        await using var load = WriteLoad.Start(_rig.ReadWritePort, writers: 1);
        await load.WaitForAcknowledgedAsync(10, TimeSpan.FromSeconds(20));

        var operation = await _rig.WaitForOperationEndAsync(await _rig.StartSwitchoverAsync(new { candidate = "db2" }));
        await stop.CancelAsync();
        await leaking;

        var state = (string?)operation["state"];
        output.WriteLine($"{state}; {leaked.Count} writes leaked past the proxy; {operation["steps"]!.AsArray().Last()!.ToJsonString()}");
        Assert.NotEqual("completed", state);
        if (state == "aborted")
        {
            Assert.True((bool)Step(operation, nameof(SwitchoverAborted))["oldMasterWritable"]!);
            Assert.Equal(0, await FailoverRig.ReadOnlyAsync("db1"));
            Assert.Equal(1, await FailoverRig.ReadOnlyAsync("db2"));
            await load.WaitForAcknowledgedAsync(5, TimeSpan.FromSeconds(20));
            await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, DateTimeOffset.MinValue, output);
        }
        else
        {
            Assert.Equal("needsAttention", state);
            var diverged = Step(operation, nameof(OldMasterDiverged));
            Assert.NotEqual("", (string?)diverged["divergedGtids"]);
            Assert.Equal(1, await FailoverRig.ReadOnlyAsync("db1"));
            await _rig.Client.WaitForStatusAsync(_rig.Cluster, "db1", "FENCED");
            Assert.Null(await FailoverRig.SourcePortAsync("db1"));
            Assert.Empty(observer.TwoWritableSince(DateTimeOffset.MinValue));
        }
    }

    [Fact]
    public async Task A_switchover_aborted_at_promotion_leaves_exactly_one_writable_server_and_the_candidate_following_the_old_master()
    {
        await using var observer = WritableObserver.Start();
        await using var load = WriteLoad.Start(_rig.ReadWritePort, writers: 2);
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        // The candidate's server refuses the last statement of the promotion (read_only off) to the agent's user,
        // after replication was stopped and forgotten: a promotion that went part of the way.
        var admin = SandboxSettings.Current.Admin.User;
        // The sandbox reset before the next test grants the privilege back (env.sh reset grants the admin user ALL).
        await SandboxReplication.ExecuteAsync(FailoverRig.Server("db2"), $"SET SESSION sql_log_bin = 0; REVOKE READ_ONLY ADMIN ON *.* FROM '{admin}'@'127.0.0.1'");
        // A session keeps the global privileges it logged in with: the agents' pooled sessions must log in again.
        await EndSessionsOfAsync(FailoverRig.Server("db2"), admin);
        var operation = await _rig.WaitForOperationEndAsync(await _rig.StartSwitchoverAsync(new { candidate = "db2" }));
        var ended = DateTimeOffset.UtcNow;

        Assert.True((string?)operation["state"] == "aborted", operation.ToJsonString());
        var aborted = Step(operation, nameof(SwitchoverAborted));
        output.WriteLine($"aborted at {aborted["step"]}: {aborted["reason"]}");
        Assert.Equal("promote", (string?)aborted["step"]);
        Assert.True((bool)aborted["oldMasterWritable"]!);
        Assert.True((bool)aborted["candidateReadOnlyAndFollowing"]!);
        Assert.Equal(0, await FailoverRig.ReadOnlyAsync("db1"));
        Assert.Equal(1, await FailoverRig.ReadOnlyAsync("db2"));
        Assert.Equal(FailoverRig.Server("db1").Port, await FailoverRig.SourcePortAsync("db2"));
        await load.WaitForAcknowledgedAsync(20, TimeSpan.FromSeconds(20));
        await FaultInvariants.AssertAsync("db1", ["db2", "db3"], load, observer, ended, output);
        Assert.Empty(observer.TwoWritableSince(DateTimeOffset.MinValue));
        Assert.Equal(new[] { 1 }, observer.Samples.Where(s => s.At > ended && s.Writable == true).Select(s => s.Node).Distinct());
    }

    [Fact]
    public async Task An_old_master_found_beyond_its_frozen_set_at_the_repoint_is_fenced_not_repointed_and_the_switchover_needs_attention()
    {
        // The servers as a switchover leaves them right after promotion, made by hand: db1 frozen, db2 promoted at its set.
        var (db1, db2) = (FailoverRig.Server("db1"), FailoverRig.Server("db2"));
        await SandboxReplication.ExecuteAsync(db1, "SET GLOBAL read_only = 1");
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(20));
        var frozen = (await SandboxReplication.ScalarAsync<string>(db1, "SELECT @@gtid_current_pos"))!;
        await SandboxReplication.ExecuteAsync(db2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0");
        // The leak: an account read_only does not bind commits on the old master after its freeze, straight, not through the proxy.
        await using (var leak = new MySqlConnection($"Server=127.0.0.1;Port={db1.Port};User ID=mysqlha_test_all;Password={ApplicationAccount.Password};Pooling=false"))
        {
            await leak.OpenAsync();
            await new MySqlCommand($"INSERT INTO {WriteLoad.Table} (id) VALUES (7)", leak).ExecuteNonQueryAsync();
        }
        var leaked = (await SandboxReplication.ScalarAsync<string>(db1, "SELECT @@gtid_current_pos"))!;

        // The switch step's end (db2 named the master in the records), then the saga's last two steps, run on that state
        // by the Api's services.
        var services = api.Services;
        var saga = new SwitchoverSaga
        {
            Id = Guid.NewGuid(), ClusterId = _rig.Cluster, Cluster = FailoverRig.ClusterName, OldMaster = "db1", Candidate = "db2",
            Replicas = ["db3"], OldMasterFinalGtid = frozen, NewMasterGtid = frozen,
        };
        var clock = services.GetRequiredService<TimeProvider>();
        await services.GetRequiredService<ClusterStream>().AppendAsync(_rig.Cluster, cluster => new MasterSwitched(_rig.Cluster, saga.Id, "db1", "db2",
            cluster.Find("db2")!.Role, false, frozen, null, null, clock.GetUtcNow()), CancellationToken.None);
        await using (var session = services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            var next = await saga.Handle(new RepointFollowers(saga.Id), session, services.GetRequiredService<AgentClient>(),
                services.GetRequiredService<ClusterStream>(), services.GetRequiredService<TopologyPublisher>(),
                services.GetRequiredService<SemiSyncConfigurator>(), clock, services.GetRequiredService<ILogger<SwitchoverSaga>>(), CancellationToken.None);
            await saga.Handle(next, session, services.GetRequiredService<EtcdConnection>(), services.GetRequiredService<LeaderElection>(),
                services.GetRequiredService<ClusterStream>(),
                services.GetRequiredService<TopologyPublisher>(), clock, CancellationToken.None);
            await session.SaveChangesAsync();
        }

        var operation = JsonNode.Parse(await _rig.Client.Http.GetStringAsync($"/api/operations/{saga.Id}"))!;
        output.WriteLine(operation["steps"]!.AsArray().Last()!.ToJsonString());
        Assert.Equal("needsAttention", (string?)operation["state"]);
        var diverged = Step(operation, nameof(OldMasterDiverged));
        Assert.Equal(leaked, (string?)diverged["divergedGtids"]);
        Assert.True((bool)diverged["readOnlyConfirmed"]!);
        Assert.Contains(Step(operation, nameof(SwitchoverCompleted))["needsAttention"]!.AsArray(), item => ((string?)item)!.Contains("fenced"));
        Assert.DoesNotContain(Steps(operation, nameof(ReplicaRepointed)), repointed => (string?)repointed["instance"] == "db1");
        Assert.Contains((await _rig.ClusterEventsAsync()).OfType<InstanceFenced>(), fenced => fenced.Instance == "db1");
        Assert.Equal(1, await FailoverRig.ReadOnlyAsync("db1"));
        Assert.Null(await FailoverRig.SourcePortAsync("db1"));
        Assert.Equal(db2.Port, await FailoverRig.SourcePortAsync("db3"));
        // Published: db2 the master, db1 in no pool.
        var etcd = services.GetRequiredService<EtcdConnection>();
        var topology = JsonNode.Parse(await etcd.Client.GetValAsync(etcd.Keys.Topology(FailoverRig.ClusterName)))!;
        Assert.Equal(db2.Port, (int?)topology["master"]!["containers"]![0]!["container_port"]);
        Assert.DoesNotContain(topology["slave"]!["containers"]!.AsArray(), container => (int?)container!["container_port"] == db1.Port);
    }
}
