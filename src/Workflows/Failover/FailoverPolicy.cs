namespace MySqlHa.Workflows.Failover;

/// <summary>
/// How a cluster fails over, set per cluster through the API. <paramref name="NeverPromote"/> names instances that
/// must never become master (a delayed or reporting replica, say); <paramref name="Priorities"/> breaks ties between
/// equally advanced candidates, higher first. After a failover, automatic recovery waits <paramref name="BlockPeriod"/>
/// or an operator's acknowledgement, so that a flapping master cannot bounce the cluster. The candidate gets
/// <paramref name="RelayLogTimeout"/> to apply the relay log it received; past it promotion is refused rather than
/// lose transactions that reached it.
/// </summary>
public sealed record FailoverPolicy(
    bool Automatic,
    TimeSpan BlockPeriod,
    TimeSpan RelayLogTimeout,
    IReadOnlyList<string> NeverPromote,
    IReadOnlyDictionary<string, int> Priorities)
{
    public static readonly FailoverPolicy Default = new(true, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30), [], new Dictionary<string, int>());

    public int PriorityOf(string instance) => Priorities.GetValueOrDefault(instance);
}
