using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Failover;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Switchover;
using Xunit.Abstractions;

namespace MySqlHa.Tests.Coordination;

/// <summary>
/// A leading Api process frozen (SIGSTOP), or cut off from etcd, past its lease in the middle of a switchover, while a
/// second process takes over, then let run again: by its own clock it knows its lease may be gone, and sends nothing.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class FrozenLeaderTests(ITestOutputHelper output) : IDisposable
{
    private readonly ProcessRig _rig = new("frozen-leader");

    public void Dispose() => _rig.Dispose();

    [Fact]
    public Task A_leader_frozen_past_its_lease_sends_no_agent_command_when_it_runs_again() =>
        DeposeMidSwitchoverAsync(null, leader =>
        {
            leader.Suspend();
            return new Healing(leader.Resume);
        });

    [Fact]
    public async Task A_leader_cut_off_from_etcd_past_its_lease_sends_no_agent_command_when_the_partition_heals()
    {
        using var relay = TcpRelay.To(new Uri(SandboxSettings.Current.Etcd).Port);
        await DeposeMidSwitchoverAsync($"http://127.0.0.1:{relay.Port}", _ => LoopbackPartition.CutOffRootFrom(relay.Port));
    }

    /// <summary>
    /// The first Api leads a switchover that waits in its catch-up; <paramref name="depose"/> takes it out of etcd's
    /// reach (the Api reaches etcd at <paramref name="etcdEndpoint"/>) until a second Api leads; the catch-up is answered
    /// meanwhile, so that, once healed, the old leader's next step would be the promotion. It must send nothing.
    /// </summary>
    private async Task DeposeMidSwitchoverAsync(string? etcdEndpoint, Func<ServiceProcess, IDisposable> depose)
    {
        var (first, client, cluster, agents) = await _rig.StartClusterAsync("deposed", etcdEndpoint);
        await client.ArrangeMasterAndReplicasAsync(cluster, "db2");
        var (second, secondClient) = await _rig.StartApiAsync();
        using var etcd = new EtcdConnection(new EtcdOptions { Endpoint = SandboxSettings.Current.Etcd, Prefix = _rig.Prefix });

        await using var heldBack = await HeldBackReplica.HoldAsync(SandboxSettings.Current.MariaDb[1]);
        var started = await client.Http.PostAsJsonAsync($"/api/clusters/{cluster}/switchover", new { candidate = "db2", catchUpTimeoutSeconds = 120 });
        var operation = Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!);
        await client.WaitForStepAsync(operation, nameof(SwitchoverPreChecked));
        await SandboxReplication.WaitForCatchUpAsync(SandboxSettings.Current.MariaDb[1], TimeSpan.FromSeconds(20));
        using (depose(first))
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(30);
                 !(await etcd.Client.GetValAsync(etcd.Keys.ControllerLeader)).EndsWith($":{second.Id}", StringComparison.Ordinal); await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, "the second Api never took over");
            await heldBack.ReleaseAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        await Task.Delay(TimeSpan.FromSeconds(5));

        // Whatever was sent afterwards was sent by the new leader, under its token: the old one never tried.
        var newLeader = (await etcd.Client.GetAsync(etcd.Keys.ControllerLeader)).Kvs.Single();
        Assert.EndsWith($":{second.Id}", newLeader.Value.ToStringUtf8());
        foreach (var agent in agents)
        {
            var metrics = (await agent.Http.GetStringAsync("/metrics")).Split('\n');
            var commands = metrics.Where(l => l.StartsWith("mysqlha_agent_commands_total{", StringComparison.Ordinal)).ToList();
            var newest = metrics.Single(l => l.StartsWith("mysqlha_agent_newest_fencing_token ", StringComparison.Ordinal));
            output.WriteLine($"{newest}; {string.Join("; ", commands)}");
            Assert.DoesNotContain(commands, c => c.Contains("stale-fencing-token", StringComparison.Ordinal));
            if (commands.Any(c => c.Contains("promote", StringComparison.Ordinal)))
                Assert.Equal(newLeader.CreateRevision, long.Parse(newest.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        output.WriteLine(await secondClient.Http.GetStringAsync($"/api/operations/{operation}"));
        var writable = 0;
        foreach (var server in SandboxSettings.Current.MariaDb)
            writable += await SandboxReplication.ScalarAsync<int>(server, "SELECT @@read_only") == 0 ? 1 : 0;
        Assert.True(writable <= 1, $"{writable} writable servers");
        Assert.Contains("no longer leads", first.Output);
    }

    private sealed class Healing(Action heal) : IDisposable
    {
        public void Dispose() => heal();
    }
}
