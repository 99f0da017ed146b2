using JasperFx.Events;
using Marten;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Topology;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Benchmarks.AuditQuery;

/// <summary>
/// A year of a fleet's audit trail as real Marten events, bulk-inserted (COPY) so that a million take a minute, not
/// an hour: per cluster, monitor status changes and every 80 of them a switchover (its own stream of nine events, and
/// four on the cluster's stream, with an actor). The audit index's trigger tags every event as it is inserted.
/// </summary>
public static class Seeding
{
    private const int StatusChangesPerSwitchover = 80;
    private const int EventsPerBlock = StatusChangesPerSwitchover + 4 + 9;
    private static readonly string[] Instances = ["db1", "db2", "db3"];
    private static readonly string[] Actors = ["alice", "bob"];

    public static async Task<int> StoreAsync(IDocumentStore store, int events, int clusters)
    {
        var blocks = Math.Max(1, events / clusters / EventsPerBlock);
        var start = DateTimeOffset.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(365) / (blocks * EventsPerBlock);
        var stored = 0;
        for (var c = 0; c < clusters; c++)
        {
            var streams = Cluster((Marten.Events.EventGraph)((DocumentStore)store).Options.Events, Guid.CreateVersion7(), $"bench-{c}", blocks, start + step * c / clusters, step);
            await store.BulkInsertEventsAsync(streams, batchSize: 10_000);
            stored += streams.Sum(s => s.Events.Count);
            if ((c + 1) % 10 == 0) Console.Error.WriteLine($"  stored {stored:N0} events ({c + 1} of {clusters} clusters)");
        }
        return stored;
    }

    private static List<StreamAction> Cluster(Marten.Events.EventGraph registry, Guid cluster, string name, int blocks, DateTimeOffset start, TimeSpan step)
    {
        var time = start;
        IEvent Event(object data, string? actor = null)
        {
            var e = registry.BuildEvent(data);
            e.Timestamp = time;
            e.UserName = actor;
            time += step;
            return e;
        }

        var endpoints = Instances.Select((i, n) => new NamedEndpoint(i, new ServerEndpoint("10.0.0." + (n + 1), 3306))).ToList();
        var clusterEvents = new List<IEvent>
        {
            Event(new ClusterRegistered(cluster, name, DatabaseFlavor.MariaDb, endpoints, new ServerCredentials("admin", "admin.password"), null,
                new Dictionary<string, string>(), time), "alice"),
        };
        var operations = new List<StreamAction>();
        for (var b = 0; b < blocks; b++)
        {
            var (master, candidate, replica) = (Instances[b % 3], Instances[(b + 1) % 3], Instances[(b + 2) % 3]);
            var gtid = $"0-1-{b * 1000}";
            for (var s = 0; s < StatusChangesPerSwitchover; s++)
                clusterEvents.Add(Event(new InstanceStatusChanged(cluster, Instances[s % 3], s % 2 == 0 ? InstanceStatus.Ok : InstanceStatus.Syncing,
                    s % 2 == 0 ? InstanceStatus.Syncing : InstanceStatus.Ok, "lag", gtid, s % 7, time)));
            var operation = Guid.CreateVersion7();
            var actor = Actors[b % 2];
            clusterEvents.Add(Event(new OperationStarted(cluster, operation, "switchover", time, time.AddMinutes(5)), actor));
            operations.Add(StreamAction.Start(operation,
            [
                Event(new SwitchoverRequested(operation, cluster, name, candidate, false, TimeSpan.FromSeconds(10), time), actor),
                Event(new SwitchoverPreChecked(operation, master, candidate, gtid, gtid, 0, false, [replica], time), actor),
                Event(new SwitchoverTrafficHeld(operation, b, time), actor),
                Event(new OldMasterFrozen(operation, master, gtid, "bin.000001", 4 + b, 0, time), actor),
                Event(new CandidateCaughtUp(operation, candidate, gtid, time), actor),
                Event(new ReplicaPromoted(operation, candidate, gtid, "bin.000002", 4 + b, time), actor),
                Event(new ReplicaRepointed(operation, replica, candidate, gtid, time), actor),
                Event(new SwitchRecorded(operation, $"/mysqlha/clusters/{name}/switch/{operation}", time), actor),
                Event(new SwitchoverCompleted(operation, master, candidate, gtid, "bin.000002", 4 + b, [], time), actor),
            ]));
            clusterEvents.Add(Event(new TrafficHeld(cluster, operation, time), actor));
            clusterEvents.Add(Event(new MasterSwitched(cluster, operation, master, candidate, InstanceRole.Replica, false, gtid, "bin.000002", 4 + b, time), actor));
            clusterEvents.Add(Event(new OperationEnded(cluster, operation, "completed", time), actor));
        }
        return [StreamAction.Start(cluster, clusterEvents.ToArray()), .. operations];
    }
}
