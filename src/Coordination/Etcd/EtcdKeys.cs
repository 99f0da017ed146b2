namespace MySqlHa.Coordination.Etcd;

/// <summary>
/// The documented key layout in etcd. Every key lives under one prefix (default /mysqlha):
/// <list type="bullet">
/// <item><c>{prefix}/clusters/{cluster}/topology</c>: the published topology, JSON, read by proxies.</item>
/// <item><c>{prefix}/clusters/{cluster}/switch/{operation id}</c>: one record per switchover or failover, with the new
/// primary's position (as MoHA writes it) and its time; keyed by operation so that a replayed step cannot add a second.</item>
/// <item><c>{prefix}/clusters/{cluster}/binlog-archiver</c>: the agent that archives the cluster's binlogs, held by its lease.</item>
/// <item><c>{prefix}/agents/{cluster}/{instance}</c>: an agent's registration, held by its lease.</item>
/// <item><c>{prefix}/controller/leader</c>: the leading controller, held by its lease.</item>
/// </list>
/// </summary>
public sealed class EtcdKeys(string prefix)
{
    private readonly string _prefix = prefix.TrimEnd('/');

    public string Topology(string cluster) => $"{_prefix}/clusters/{Segment(cluster)}/topology";

    public string SwitchRecord(string cluster, Guid operationId) => $"{_prefix}/clusters/{Segment(cluster)}/switch/{operationId}";

    public string BinlogArchiver(string cluster) => $"{_prefix}/clusters/{Segment(cluster)}/binlog-archiver";

    public string Agent(string cluster, string instance) => $"{_prefix}/agents/{Segment(cluster)}/{Segment(instance)}";

    public string AgentsOf(string cluster) => $"{_prefix}/agents/{Segment(cluster)}/";

    /// <summary>The folder of every agent's registration.</summary>
    public string Agents => $"{_prefix}/agents/";

    public string ControllerLeader => $"{_prefix}/controller/leader";

    /// <summary>Names become single key segments: a slash in a name must not open a new level.</summary>
    private static string Segment(string name) =>
        string.IsNullOrWhiteSpace(name) || name.Contains('/')
            ? throw new ArgumentException($"'{name}' cannot be used in an etcd key", nameof(name))
            : name;
}
