using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Api;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Tests.Audit;

/// <summary>One stored event and what an auditor should find it by.</summary>
public sealed record SeededEvent(Guid Id, Guid Cluster, Guid? Operation, string Type, IReadOnlyList<string> Instances, string? Actor);

/// <summary>
/// Two clusters' audit trails written as real Marten events through the Api's own store: cluster A with a completed
/// switchover, cluster B with a failover under way, instance names spread over every kind of field (single names,
/// lists, map keys), some events with an actor. Clusters have no instances of their own, so the monitor adds nothing.
/// </summary>
public sealed class AuditTrail
{
    private const string Gtid = "0-1-42";

    public Guid ClusterA { get; } = Guid.CreateVersion7();
    public Guid ClusterB { get; } = Guid.CreateVersion7();
    public Guid Switchover { get; } = Guid.CreateVersion7();
    public Guid Failover { get; } = Guid.CreateVersion7();
    public List<SeededEvent> Events { get; } = [];

    public static async Task<AuditTrail> WriteAsync(ApiFactory api)
    {
        var trail = new AuditTrail();
        await trail.WriteAllAsync(api.Services.GetRequiredService<IDocumentStore>());
        return trail;
    }

    private async Task WriteAllAsync(IDocumentStore store)
    {
        var now = DateTimeOffset.UtcNow;
        var credentials = new ServerCredentials("admin", "/nowhere");
        await AppendAsync(store, ClusterA, null, "cluster_registered", [], null,
            new ClusterRegistered(ClusterA, $"audit-a-{ClusterA:N}", DatabaseFlavor.MariaDb, [], credentials, null, new Dictionary<string, string>(), now));
        await AppendAsync(store, ClusterA, Switchover, "operation_started", [], "alice",
            new OperationStarted(ClusterA, Switchover, "switchover", now));
        await AppendAsync(store, ClusterA, null, "semi_sync_configured", ["db1", "db2", "db3"], null,
            new SemiSyncConfigured(ClusterA, true, "AFTER_SYNC", 1000, true, new Dictionary<string, string> { ["db1"] = Gtid, ["db2"] = Gtid },
                new Dictionary<string, string> { ["db3"] = "unreachable" }, now));
        await AppendAsync(store, ClusterA, null, "writable_invariant_violated", ["db1", "db2"], null,
            new WritableInvariantViolated(ClusterA, "several-writable", null, ["db1", "db2"], false, now));
        await AppendAsync(store, Switchover, Switchover, "switchover_requested", ["db2"], "alice",
            new SwitchoverRequested(Switchover, ClusterA, "audit-a", "db2", false, TimeSpan.FromSeconds(10), now), start: true);
        await AppendAsync(store, Switchover, Switchover, "switchover_pre_checked", ["db1", "db2", "db3"], "alice",
            new SwitchoverPreChecked(Switchover, "db1", "db2", Gtid, Gtid, 0, false, ["db3"], now));
        await AppendAsync(store, Switchover, Switchover, "replica_repointed", ["db2", "db3"], "alice",
            new ReplicaRepointed(Switchover, "db3", "db2", Gtid, now));
        await AppendAsync(store, Switchover, Switchover, "switchover_completed", ["db1", "db2"], "alice",
            new SwitchoverCompleted(Switchover, "db1", "db2", Gtid, "bin.000002", 1234, [], now));
        await AppendAsync(store, ClusterA, Switchover, "operation_ended", [], null, new OperationEnded(ClusterA, Switchover, "completed", now));

        await AppendAsync(store, ClusterB, null, "cluster_registered", [], null,
            new ClusterRegistered(ClusterB, $"audit-b-{ClusterB:N}", DatabaseFlavor.MariaDb, [], credentials, null, new Dictionary<string, string>(), now));
        await AppendAsync(store, ClusterB, Failover, "operation_started", [], "bob", new OperationStarted(ClusterB, Failover, "failover", now));
        await AppendAsync(store, Failover, Failover, "failover_started", ["db1"], "bob",
            new FailoverStarted(Failover, ClusterB, "audit-b", "manual", "db1", null, ["db1 unreachable"], Gtid, "bin.000001", 99, now, now, now), start: true);
        await AppendAsync(store, Failover, Failover, "failover_candidate_chosen", ["db2", "db3"], "bob",
            new FailoverCandidateChosen(Failover, "db3", new Dictionary<string, string?> { ["db2"] = Gtid, ["db3"] = Gtid }, [], now));
        await AppendAsync(store, Failover, Failover, "replica_promoted", ["db3"], "bob", new ReplicaPromoted(Failover, "db3", Gtid, "bin.000003", 4, now));
        await AppendAsync(store, ClusterB, null, "semi_sync_fell_back", ["db3"], null,
            new SemiSyncFellBack(ClusterB, "db3", "no acknowledgement", true, 0, 1, 0, Gtid, now));
    }

    private async Task AppendAsync(IDocumentStore store, Guid stream, Guid? operation, string type, string[] instances, string? actor, object data,
        bool start = false)
    {
        // One transaction per event, so that their times differ and the time filters have something to tell apart.
        await using var session = store.LightweightSession();
        session.LastModifiedBy = actor;
        var action = start ? session.Events.StartStream(stream, data) : session.Events.Append(stream, data);
        await session.SaveChangesAsync();
        var cluster = stream == Failover ? ClusterB : stream == Switchover ? ClusterA : stream;
        Events.Add(new SeededEvent(action.Events[0].Id, cluster, operation, type, instances, actor));
    }
}
