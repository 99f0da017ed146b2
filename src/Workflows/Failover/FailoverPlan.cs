using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Failover;

/// <summary>Who takes over after the master died, who follows it, and who was passed over and why; or why no one can.</summary>
public sealed record FailoverPlan(string? Refusal, string Candidate, IReadOnlyList<string> Followers, IReadOnlyList<string> PassedOver)
{
    public static FailoverPlan Refuse(string reason, IReadOnlyList<string> passedOver) => new(reason, "", [], passedOver);

    /// <summary>
    /// How far a follower got: what it executed or, further, what its IO thread received (acknowledged, under
    /// semi-sync) and the saga makes it apply before promotion.
    /// </summary>
    private static long Received(Cluster cluster, ServerSnapshot snapshot) => Math.Max(
        GtidSets.CountTransactions(cluster.Flavor, snapshot.GtidExecuted),
        GtidSets.CountTransactions(cluster.Flavor, snapshot.Replication?.ReceivedGtidSet ?? ""));

    /// <summary>
    /// The candidate is the most advanced eligible follower (by what it received, applied or not); among equals the standby, then the higher priority,
    /// then the name. A standby behind another follower is passed over: promoting it would lose what only the other
    /// has. Not eligible: unreachable, excluded by policy, replication never activated, or holding errant
    /// transactions (writes that did not come from the master: promoting them would spread them, and the cluster
    /// would lose track of its history). Pure.
    /// </summary>
    public static FailoverPlan Decide(Cluster cluster, string oldMaster, ServerSnapshot? oldMasterLastSeen, string? requested,
        IReadOnlyDictionary<string, ServerSnapshot?> live)
    {
        var policy = cluster.FailoverPolicy;
        var followers = cluster.Instances
            .Where(i => i.Name != oldMaster && i.Role is InstanceRole.Standby or InstanceRole.Replica && !i.Fenced).ToList();
        var passedOver = new List<string>();
        var eligible = new List<(ClusterInstance Instance, long Transactions)>();
        foreach (var follower in followers)
        {
            var snapshot = live.GetValueOrDefault(follower.Name);
            var reason = !follower.ReplicationActive ? "its replication was never activated"
                : snapshot is null ? "it cannot be reached"
                : policy.NeverPromote.Contains(follower.Name) ? "the failover policy excludes it"
                : oldMasterLastSeen is not null && GtidSets.Errant(cluster.Flavor, snapshot.GtidExecuted, oldMasterLastSeen.GtidExecuted,
                    oldMasterLastSeen.ServerId) is { Length: > 0 } errant ? $"it has errant transactions {errant}"
                : null;
            if (reason is null) eligible.Add((follower, Received(cluster, snapshot!)));
            else passedOver.Add($"{follower.Name}: {reason}");
        }
        if (eligible.Count == 0) return Refuse("No standby or replica can take over.", passedOver);

        var mostAdvanced = eligible.Max(e => e.Transactions);
        foreach (var (instance, transactions) in eligible.Where(e => e.Transactions < mostAdvanced))
            passedOver.Add($"{instance.Name}: {mostAdvanced - transactions} transaction(s) behind the most advanced follower");
        var ranked = eligible.Where(e => e.Transactions == mostAdvanced).Select(e => e.Instance)
            .OrderByDescending(i => i.Role == InstanceRole.Standby)
            .ThenByDescending(i => policy.PriorityOf(i.Name))
            .ThenBy(i => i.Name, StringComparer.Ordinal)
            .ToList();
        var candidate = ranked[0];
        if (requested is not null)
        {
            if (ranked.FirstOrDefault(i => i.Name == requested) is not { } chosen)
                return Refuse($"'{requested}' cannot take over: {passedOver.FirstOrDefault(p => p.StartsWith(requested + ":", StringComparison.Ordinal))?[(requested.Length + 2)..] ?? "it is not a standby or replica of the cluster"}.", passedOver);
            candidate = chosen;
        }
        passedOver.AddRange(ranked.Where(i => i != candidate).Select(i => $"{i.Name}: as advanced, ranked after {candidate.Name}"));
        return new FailoverPlan(null, candidate.Name, followers.Where(f => f != candidate && f.ReplicationActive).Select(f => f.Name).ToList(), passedOver);
    }
}
