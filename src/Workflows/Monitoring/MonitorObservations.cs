using System.Collections.Concurrent;
using MySqlHa.Replication.Status;

namespace MySqlHa.Workflows.Monitoring;

/// <summary>
/// The latest probe of one instance, the verdict on it, and its query rate since the probe before.
/// <paramref name="ClusterVersion"/> is the version of our record when the probe began. <paramref name="LastSeen"/> is
/// the latest snapshot any probe got, this one or an earlier one: a dead master's last known position.
/// <paramref name="FailingSince"/> is when the first of the failed probes in a row began (null while it answers).
/// <paramref name="SemiSyncStalledSince"/> is when the first of the probes in a row that found commits waiting for an
/// acknowledgement and no replica to give it was taken (null otherwise).
/// </summary>
public sealed record InstanceObservation(
    Guid ClusterId, string Cluster, string Instance, long ClusterVersion, ProbeResult Probe, StatusVerdict Verdict, double? QueriesPerSecond,
    ServerSnapshot? LastSeen, DateTimeOffset? FailingSince, DateTimeOffset? SemiSyncStalledSince = null);

/// <summary>What the monitor last saw of every instance; read by the API and the metrics, written by the monitor.</summary>
public sealed class MonitorObservations
{
    private readonly ConcurrentDictionary<(Guid, string), InstanceObservation> _latest = new();

    public IReadOnlyCollection<InstanceObservation> All => (IReadOnlyCollection<InstanceObservation>)_latest.Values;

    public InstanceObservation? Find(Guid clusterId, string instance) => _latest.GetValueOrDefault((clusterId, instance));

    public void Record(InstanceObservation observation) => _latest[(observation.ClusterId, observation.Instance)] = observation;

    /// <summary>Drops instances that no longer exist, so their metrics stop being exported.</summary>
    public void RetainOnly(IReadOnlySet<(Guid, string)> current)
    {
        foreach (var key in _latest.Keys)
            if (!current.Contains(key)) _latest.TryRemove(key, out _);
    }

    public static double? QueriesPerSecond(ProbeResult previous, ProbeResult current)
    {
        if (previous.Snapshot is not { } before || current.Snapshot is not { } after) return null;
        var seconds = (after.ObservedAt - before.ObservedAt).TotalSeconds;
        var queries = after.Counters.Questions - before.Counters.Questions;
        // A restart resets the counter; a rate across it would be meaningless.
        return seconds <= 0 || queries < 0 ? null : queries / seconds;
    }
}
