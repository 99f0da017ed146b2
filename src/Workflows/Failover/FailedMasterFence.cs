using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Agents;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;
using MySqlHa.Workflows.Switchover;

namespace MySqlHa.Workflows.Failover;

/// <summary>Why the failed master can no longer take writes, as the failover proved it before promoting another.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FencingProofKind>))]
public enum FencingProofKind
{
    /// <summary>Its agent set read_only, confirmed it, and ended every client session.</summary>
    ReadOnly,

    /// <summary>Its agent reports mysqld's process gone (nothing listens on its port).</summary>
    ProcessGone,

    /// <summary>Every signal finds the host unreachable: no agent, no answer to the controller, no follower connected to it.</summary>
    HostUnreachable,
}

/// <summary>The proof, or null with the evidence that none could be had.</summary>
public sealed record FencingProof(FencingProofKind? Kind, IReadOnlyList<string> Evidence);

/// <summary>
/// Fence before promote: the failed master is proven fenced (through its agent) or proven dead, or nothing is promoted.
/// A master that answers nothing yet still holds its port (hung) could resume and take writes beside the new master.
/// </summary>
public static class FailedMasterFence
{
    /// <summary>Long enough for the agent to find out that mysqld does not answer (its probe gives up after 2 s) and say so.</summary>
    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(5);

    public static async Task<FencingProof> ProveAsync(Cluster cluster, string oldMaster, Guid operationId, AgentClient agents,
        MonitorObservations observations, CancellationToken cancellation)
    {
        var master = cluster.Find(oldMaster)!;
        // A mutual pair's master replicates from its standby: the agent fences it as a master only when told so.
        var answer = await agents.FenceAsync(cluster.Name, oldMaster, $"{operationId}:fence", master.ReplicationActive, FenceTimeout, cancellation);
        if (answer.Succeeded && answer.Detail is { } fenced)
            return new(fenced.Proof == FenceProof.ReadOnly ? FencingProofKind.ReadOnly : FencingProofKind.ProcessGone, [$"its agent: {fenced.Evidence}"]);

        var evidence = new List<string> { answer.Failure ?? "its agent gave no proof" };
        if (!answer.Unreachable) return new(null, evidence);
        if (observations.Find(cluster.Id, oldMaster)?.Probe is { Snapshot: null } probe)
            evidence.Add($"the controller cannot reach it: {probe.Failure}");
        else
            return new(null, [.. evidence, "the controller reaches it (or has not looked yet)"]);
        var followers = (await SwitchoverChecks.ReadFollowersAsync(cluster, agents, cancellation)).Where(f => f.Value is not null).ToList();
        if (followers.Count == 0) return new(null, [.. evidence, "no follower can be reached to confirm it"]);
        var connected = followers.Where(f => MasterVerdict.IsConnectedTo(master, f.Value!)).Select(f => f.Key).ToList();
        if (connected.Count > 0) return new(null, [.. evidence, $"{string.Join(", ", connected)} still replicate from it"]);
        evidence.Add($"no follower replicates from it ({string.Join(", ", followers.Select(f => f.Key))} asked)");
        return new(FencingProofKind.HostUnreachable, evidence);
    }
}
