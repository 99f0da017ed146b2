using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Switchover;

public static class SwitchoverChecks
{
    /// <summary>
    /// The agents' snapshots of every standby and replica, then of the master; null where none answered. The master
    /// is read last: while writes go on, a replica read after its master could look ahead of it, and its newest
    /// transactions would pass for errant ones.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ServerSnapshot?>> ReadLiveAsync(Cluster cluster, AgentClient agents, CancellationToken cancellation)
    {
        var live = await ReadFollowersAsync(cluster, agents, cancellation);
        if (cluster.Master is { } master) live[master.Name] = await agents.StatusAsync(cluster.Name, master.Name, cancellation);
        return live;
    }

    /// <summary>The agents' snapshots of every standby and replica, read together; null where none answered.</summary>
    public static async Task<Dictionary<string, ServerSnapshot?>> ReadFollowersAsync(Cluster cluster, AgentClient agents, CancellationToken cancellation)
    {
        var followers = cluster.Instances.Where(i => i.Role is InstanceRole.Standby or InstanceRole.Replica).ToList();
        var snapshots = await Task.WhenAll(followers.Select(m => agents.StatusAsync(cluster.Name, m.Name, cancellation)));
        return followers.Zip(snapshots).ToDictionary(pair => pair.First.Name, pair => pair.Second);
    }

    /// <summary>After promotion a failed step is tried again a few times before it is reported as needing attention.</summary>
    public static Task<AgentAnswer<TDetail>> RetryAsync<TDetail>(Func<Task<AgentAnswer<TDetail>>> command) where TDetail : class =>
        RetryAsync(command, answer => answer.Succeeded || answer.Status is >= 400 and < 500);

    /// <summary>Up to three attempts, a short pause between them, until <paramref name="settled"/> holds; answers the last.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> attempt, Func<T, bool> settled)
    {
        T result = default!;
        foreach (var pause in new[] { 0, 200, 1000 })
        {
            await Task.Delay(pause);
            result = await attempt();
            if (settled(result)) return result;
        }
        return result;
    }
}
