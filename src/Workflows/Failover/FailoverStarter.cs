using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Workflows.Failover;

/// <summary>Starts a failover of the cluster's current master (one operation at a time); answers the operation that holds the cluster.</summary>
public sealed class FailoverStarter(OperationStarter operations)
{
    public Task<(bool Started, Guid? Operation)> StartAsync(Cluster cluster, string trigger, string? candidate, IReadOnlyList<string> evidence,
        DateTimeOffset? lastSeenAlive, DateTimeOffset? lostSince, bool masterProcessGone, CancellationToken cancellation)
    {
        var master = cluster.Master?.Name;
        // Room for the relay-log wait and the promotion's own check of it, with a minute for everything else.
        var deadline = 3 * cluster.FailoverPolicy.RelayLogTimeout + TimeSpan.FromMinutes(1);
        return operations.StartAsync(cluster.Id, OperationKind.Failover, c => c.Master?.Name == master, deadline,
            operationId => new StartFailover(operationId, cluster.Id, cluster.Name, trigger, candidate, evidence, lastSeenAlive, lostSince, masterProcessGone,
                deadline),
            cancellation);
    }
}
