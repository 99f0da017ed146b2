using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Operations;

/// <summary>
/// Frees a cluster from its operation, once: the call that frees it appends the ending and counts the operation in
/// <see cref="OperationMetrics"/>; a replayed last step (its transaction lost after the cluster was freed), or an end
/// that loses to an administrator's release, finds the cluster freed already and does neither.
/// </summary>
public static class OperationEnding
{
    /// <summary>The operation ended by itself: <paramref name="outcome"/> is completed, needsAttention or aborted. True only for the call that ended it.</summary>
    public static Task<bool> EndOperationAsync(this ClusterStream clusters, Guid clusterId, Guid operationId, string outcome, DateTimeOffset now,
        CancellationToken cancellation) =>
        FreeAsync(clusters, clusterId, operationId, new OperationEnded(clusterId, operationId, outcome, now), outcome, now, cancellation);

    /// <summary>An administrator released the cluster from the operation. True only for the call that released it.</summary>
    public static Task<bool> ReleaseOperationAsync(this ClusterStream clusters, OperationReleased released, CancellationToken cancellation) =>
        FreeAsync(clusters, released.ClusterId, released.OperationId, released, "released", released.ReleasedAt, cancellation);

    private static async Task<bool> FreeAsync(ClusterStream clusters, Guid clusterId, Guid operationId, object ending, string outcome,
        DateTimeOffset now, CancellationToken cancellation)
    {
        Cluster? held = null;
        await clusters.AppendAsync(clusterId, c => (held = c.RunningOperation == operationId ? c : null) is null ? null : ending, cancellation);
        if (held is null) return false;
        OperationMetrics.Record(held.RunningOperationKind, outcome, now - held.RunningOperationStartedAt);
        return true;
    }
}
