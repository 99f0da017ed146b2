using System.Collections.Concurrent;
using System.Reflection;

namespace MySqlHa.Workflows.Clusters;

/// <summary>
/// A cluster's record after one more event, computed by the same <c>Cluster.Apply</c> the inline projection runs, so
/// that a writer who just committed the event need not read the record back.
/// </summary>
internal static class ClusterEvolution
{
    private static readonly ConcurrentDictionary<Type, MethodInfo> Appliers = new();

    public static Cluster After(Cluster cluster, object change) =>
        (Cluster)Appliers.GetOrAdd(change.GetType(), ApplierOf).Invoke(null, [change, cluster])!;

    private static MethodInfo ApplierOf(Type change) =>
        typeof(Cluster).GetMethod(nameof(Cluster.Apply), BindingFlags.Public | BindingFlags.Static, [change, typeof(Cluster)])
        ?? throw new InvalidOperationException($"the cluster's record has no Apply for {change.Name}");
}
