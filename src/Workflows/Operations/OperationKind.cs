namespace MySqlHa.Workflows.Operations;

/// <summary>The kinds of operation that take a cluster (<see cref="Clusters.OperationStarted.Kind"/>).</summary>
public static class OperationKind
{
    public const string Switchover = "switchover";

    public const string Failover = "failover";

    public static readonly IReadOnlyList<string> All = [Switchover, Failover];
}
