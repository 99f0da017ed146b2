using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Switchover;

public static class SwitchoverChecks
{
    /// <summary>The agents' snapshots of the master and every standby and replica, read at once; null where none answered.</summary>
    public static async Task<IReadOnlyDictionary<string, ServerSnapshot?>> ReadLiveAsync(Cluster cluster, AgentClient agents, CancellationToken cancellation)
    {
        var members = cluster.Instances.Where(i => i.Role != InstanceRole.Unregistered).ToList();
        var snapshots = await Task.WhenAll(members.Select(m => agents.StatusAsync(cluster.Name, m.Name, cancellation)));
        return members.Zip(snapshots).ToDictionary(pair => pair.First.Name, pair => pair.Second);
    }

    /// <summary>After promotion a failed step is tried again a few times before it is reported as needing attention.</summary>
    public static async Task<AgentAnswer> RetryAsync(Func<Task<AgentAnswer>> command)
    {
        AgentAnswer answer = null!;
        foreach (var pause in new[] { 0, 200, 1000 })
        {
            await Task.Delay(pause);
            answer = await command();
            if (answer.Succeeded || answer.Status is >= 400 and < 500) return answer;
        }
        return answer;
    }
}
