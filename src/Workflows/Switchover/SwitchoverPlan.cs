using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Switchover;

/// <summary>Who takes over, who follows whom afterwards, or why a switchover cannot be done now.</summary>
public sealed record SwitchoverPlan(string? Refusal, string OldMaster, string Candidate, bool Mutual, IReadOnlyList<string> Replicas)
{
    public static SwitchoverPlan Refuse(string reason) => new(reason, "", "", false, []);

    public const long DefaultMaxLagSeconds = 10;

    /// <summary>
    /// The pre-checks, pure: the candidate (the named one, else the standby, else the most advanced healthy replica)
    /// must be reachable, replicating from the master, within the lag bound, and hold no transactions the master
    /// lacks (errant GTIDs would be lost or would diverge the old master).
    /// </summary>
    public static SwitchoverPlan Decide(Cluster cluster, string? requestedCandidate, IReadOnlyDictionary<string, ServerSnapshot?> live)
    {
        if (cluster.Master is not { } master) return Refuse("No master is registered.");
        if (live.GetValueOrDefault(master.Name) is not { } masterSnapshot) return Refuse($"The master '{master.Name}' cannot be reached.");
        var followers = cluster.Instances.Where(i => i.Role is InstanceRole.Standby or InstanceRole.Replica).ToList();
        ClusterInstance? candidate;
        if (requestedCandidate is not null)
        {
            candidate = followers.FirstOrDefault(i => i.Name == requestedCandidate);
            if (candidate is null) return Refuse($"'{requestedCandidate}' is not a registered standby or replica of the cluster.");
        }
        else
        {
            candidate = cluster.Standby is { Status: InstanceStatus.Ok } standby ? standby
                : followers.Where(i => i.Role == InstanceRole.Replica && i.Status == InstanceStatus.Ok && live.GetValueOrDefault(i.Name) is not null)
                    .OrderByDescending(i => GtidSets.CountTransactions(cluster.Flavor, live[i.Name]!.GtidExecuted))
                    .FirstOrDefault();
            if (candidate is null) return Refuse("No standby or replica is healthy enough to take over.");
        }
        if (live.GetValueOrDefault(candidate.Name) is not { } candidateSnapshot) return Refuse($"The candidate '{candidate.Name}' cannot be reached.");
        if (candidateSnapshot.Replication is not { } replication || !master.Endpoint.Matches(replication.Source.Host, replication.Source.Port))
            return Refuse($"The candidate '{candidate.Name}' does not replicate from the master '{master.Name}'.");
        if (!replication.IsReplicating) return Refuse($"The candidate '{candidate.Name}' has its replication stopped or broken.");
        if (replication.SecondsBehindSource is not { } lag || lag > DefaultMaxLagSeconds)
            return Refuse($"The candidate '{candidate.Name}' is {replication.SecondsBehindSource?.ToString() ?? "an unknown number of"} seconds behind; the bound is {DefaultMaxLagSeconds}.");
        var errant = GtidSets.Missing(cluster.Flavor, candidateSnapshot.GtidExecuted, masterSnapshot.GtidExecuted);
        if (errant.Length > 0) return Refuse($"The candidate '{candidate.Name}' has transactions the master lacks (errant GTIDs {errant}).");

        var mutual = master.ReplicationActive && candidate.Role == InstanceRole.Standby;
        var replicas = followers.Where(i => i.Name != candidate.Name && i.ReplicationActive).Select(i => i.Name).ToList();
        return new SwitchoverPlan(null, master.Name, candidate.Name, mutual, replicas);
    }
}
