using MySqlHa.Workflows.Actors;
using JasperFx;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Election;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.SemiSync;
using MySqlHa.Workflows.Topology;

namespace MySqlHa.Workflows.Monitoring;

/// <summary>
/// Polls every instance of every cluster on a fixed interval and keeps the latest observation of each. Probes run
/// independently: an instance whose probe is still in flight is skipped this round rather than holding up the
/// others. Every process polls (it serves reads and metrics); only the elected leader records status changes as
/// events and publishes the topology.
/// </summary>
public sealed partial class ClusterMonitor(
    IDocumentStore store,
    IServerProbe probe,
    MonitorObservations observations,
    MonitorOptions options,
    LeaderElection election,
    TopologyPublisher publisher,
    ClusterWriteGate gate,
    TimeProvider clock,
    ILogger<ClusterMonitor> logger) : BackgroundService
{
    private readonly Dictionary<(Guid, string), Task> _inFlight = [];
    private readonly Lock _inFlightLock = new();

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Interval, clock);
        try
        {
            do
            {
                try
                {
                    await RoundAsync(stopping);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    // The leadership term ended in the middle of the round; the next round runs as a follower.
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRoundFailed(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RoundAsync(CancellationToken stopping)
    {
        IReadOnlyList<Cluster> clusters;
        await using (var session = store.QuerySession())
            clusters = await session.Query<Cluster>().ToListAsync(stopping);

        observations.RetainOnly(clusters.SelectMany(c => c.Instances.Select(i => (c.Id, i.Name))).ToHashSet());
        foreach (var cluster in clusters)
        {
            SemiSyncMetrics.Export(cluster);
            foreach (var instance in cluster.Instances)
                _ = StartProbe(cluster, instance, stopping);
        }

        if (election.CurrentTerm is not { Holds: true } term) return;
        foreach (var cluster in clusters)
        {
            await RecordStatusChangesAsync(cluster, term.Ended);
            await RecordSemiSyncChangesAsync(cluster, term.Ended);
        }
        await publisher.PublishAsync(clusters.Select(c => c.Id).ToList(), term.Ended);
    }

    /// <summary>
    /// Probes every instance of the named cluster now, outside the rounds, because something (an agent's report)
    /// makes its master suspect; returns once each has answered. A probe already in flight may have begun before
    /// the change, so it is waited for and the instance probed again.
    /// </summary>
    public async Task ProbeNowAsync(string clusterName, CancellationToken cancellation)
    {
        Cluster? cluster;
        await using (var session = store.QuerySession())
            cluster = await session.Query<Cluster>().FirstOrDefaultAsync(c => c.Name == clusterName, cancellation);
        if (cluster is null) return;
        await Task.WhenAll(cluster.Instances.Select(async instance =>
        {
            Task? running;
            lock (_inFlightLock) _inFlight.TryGetValue((cluster.Id, instance.Name), out running);
            if (running is not null) await running;
            await StartProbe(cluster, instance, cancellation);
        }));
    }

    /// <summary>
    /// Starts probes of the named instances now, outside the rounds, without waiting for them; an instance whose probe
    /// is in flight is left to it. For confirming a suspect master: its replicas' IO threads, looked at sooner.
    /// </summary>
    public void ProbeSoon(Cluster cluster, IEnumerable<string> instances, CancellationToken cancellation)
    {
        foreach (var instance in cluster.Instances.Where(i => instances.Contains(i.Name)))
            _ = StartProbe(cluster, instance, cancellation);
    }

    /// <summary>Starts a probe of the instance unless one is in flight; either way, answers the probe under way.</summary>
    private Task StartProbe(Cluster cluster, ClusterInstance instance, CancellationToken cancellation)
    {
        lock (_inFlightLock)
        {
            if (_inFlight.TryGetValue((cluster.Id, instance.Name), out var running)) return running;
            // Off this lock: the probe's end takes it to leave the table.
            var probe = Task.Run(() => ProbeAsync(cluster, instance, cancellation), CancellationToken.None);
            _inFlight[(cluster.Id, instance.Name)] = probe;
            return probe;
        }
    }

    private async Task ProbeAsync(Cluster cluster, ClusterInstance instance, CancellationToken stopping)
    {
        try
        {
            var began = clock.GetUtcNow();
            var result = await probe.ReadAsync(instance.Endpoint, cluster.AdminCredentials, stopping);
            var previous = observations.Find(cluster.Id, instance.Name);
            observations.Record(new InstanceObservation(cluster.Id, cluster.Name, instance.Name, cluster.Version, result,
                InstanceStatusRules.Evaluate(cluster, instance, result, options),
                previous is null ? null : MonitorObservations.QueriesPerSecond(previous.Probe, result),
                result.Snapshot ?? previous?.LastSeen,
                result.Reachable ? null : previous?.FailingSince ?? began,
                SemiSyncRules.StalledSince(result.Snapshot, previous)));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_inFlightLock) _inFlight.Remove((cluster.Id, instance.Name));
        }
    }

    /// <summary>Appends one event per instance whose status differs from our record; a conflict waits for the next round.</summary>
    private async Task RecordStatusChangesAsync(Cluster cluster, CancellationToken cancellation)
    {
        using var _ = await gate.EnterAsync(cluster.Id, cancellation);
        await using var session = store.ActorSession();
        var current = await session.LoadAsync<Cluster>(cluster.Id, cancellation);
        if (current is null) return;
        var changes = current.Instances
            .Select(instance => (instance, observation: observations.Find(current.Id, instance.Name)))
            // A probe begun before the last operation on the instance describes the state the operation changed.
            .Where(x => x.observation is not null && x.observation.ClusterVersion >= x.instance.ChangedAtVersion)
            // Re-evaluate against the fresh record: an operator may have changed the role since the probe began.
            .Select(x => (x.instance, x.observation!.Probe, verdict: InstanceStatusRules.Evaluate(current, x.instance, x.observation.Probe, options)))
            .Where(x => x.verdict.Status != x.instance.Status)
            .Select(x => new InstanceStatusChanged(current.Id, x.instance.Name, x.instance.Status, x.verdict.Status, x.verdict.Reason,
                x.Probe.Snapshot?.GtidExecuted, x.Probe.Snapshot?.Replication?.SecondsBehindSource, x.Probe.Snapshot?.ObservedAt ?? clock.GetUtcNow()))
            .ToList();
        if (changes.Count == 0) return;
        session.Events.Append(current.Id, current.Version + changes.Count, changes.Cast<object>().ToArray());
        try
        {
            await session.SaveChangesAsync(cancellation);
            foreach (var change in changes) LogStatusChanged(current.Name, change.Instance, change.From, change.To, change.Reason);
        }
        catch (ConcurrencyException)
        {
            // Another writer got there first; the next round evaluates against its record.
        }
    }

    /// <summary>
    /// Appends the semi-sync transitions the master's latest probe shows against our record (see SemiSyncRules), at
    /// the record's version: a conflict means another writer got there first, and the next round decides again.
    /// </summary>
    private async Task RecordSemiSyncChangesAsync(Cluster cluster, CancellationToken cancellation)
    {
        if (!cluster.SemiSync.Enabled) return;
        using var _ = await gate.EnterAsync(cluster.Id, cancellation);
        await using var session = store.ActorSession();
        var current = await session.LoadAsync<Cluster>(cluster.Id, cancellation);
        if (current?.Master is not { } master) return;
        var changes = SemiSyncRules.Decide(current, observations.Find(current.Id, master.Name), options);
        if (changes.Count == 0) return;
        session.Events.Append(current.Id, current.Version + changes.Count, changes.ToArray());
        try
        {
            await session.SaveChangesAsync(cancellation);
            await using (var read = store.QuerySession())
                if (await read.LoadAsync<Cluster>(current.Id, cancellation) is { } recorded) SemiSyncMetrics.Export(recorded);
            foreach (var change in changes)
            {
                SemiSyncMetrics.Transitions.WithLabels(current.Name, SemiSyncMetrics.Kind(change)).Inc();
                LogSemiSyncChanged(current.Name, master.Name, change);
            }
        }
        catch (ConcurrencyException)
        {
            // Another writer got there first; the next round decides against its record.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}/{Instance}: semi-sync {Change}")]
    private partial void LogSemiSyncChanged(string cluster, string instance, object change);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}/{Instance}: {From} -> {To} ({Reason})")]
    private partial void LogStatusChanged(string cluster, string instance, InstanceStatus from, InstanceStatus to, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A monitor round failed")]
    private partial void LogRoundFailed(Exception exception);
}
