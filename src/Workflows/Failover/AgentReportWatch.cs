using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mvccpb;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Workflows.Failover;

/// <summary>
/// While this controller leads, follows the agents' reports in etcd. An agent that reports its mysqld down (at once
/// when its process goes), or whose key vanishes with its lease, makes the controller probe that cluster's servers
/// and judge its master at once, instead of at the next monitor round and check: the detection of a dead master
/// then takes the time the agent needs to see it, not the controller's polling intervals. A report that mysqld's
/// process is stopped is handed to the detector and the master judged at once, before the probe (which a stopped
/// server holds until its timeout): the confirming period is counted from it.
/// </summary>
public sealed partial class AgentReportWatch(
    EtcdConnection etcd,
    LeaderElection election,
    ClusterMonitor monitor,
    FailureWatch failures,
    MasterFailureDetector detector,
    ILogger<AgentReportWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (election.CurrentTerm is { Holds: true } term)
            {
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stopping, term.Ended);
                try
                {
                    await FollowAsync(leading.Token);
                }
                catch (Exception e) when (e is RpcException or OperationCanceledException && !stopping.IsCancellationRequested)
                {
                    // The term ended, or the watch broke: the rounds go on meanwhile, and the watch starts again.
                }
            }
            await Task.Delay(Pause, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task FollowAsync(CancellationToken cancellation)
    {
        var folder = ByteString.CopyFromUtf8(etcd.Keys.Agents);
        var watches = new Watch.WatchClient(etcd.Invoker);
        using var call = watches.Watch(cancellationToken: cancellation);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            // Every key under the folder (the range ends where the folder's last byte is one higher); a deletion
            // carries the record it removed, which names the cluster.
            CreateRequest = new WatchCreateRequest { Key = folder, RangeEnd = RangeEndOf(folder), PrevKv = true },
        }, cancellation);
        while (await call.ResponseStream.MoveNext(cancellation))
            foreach (var change in call.ResponseStream.Current.Events)
            {
                HandOverStopped(change);
                if (SuspectedCluster(change) is { } cluster)
                    _ = SuspectAsync(cluster, cancellation);
            }
    }

    /// <summary>Tells the detector when an agent reports its mysqld's process stopped, or no longer stopped.</summary>
    private void HandOverStopped(Event change)
    {
        if (change.Type != Event.Types.EventType.Put || Read(change.Kv) is not { } record) return;
        if (record.Health.ProcessStopped)
        {
            detector.HeardStopped(record.Cluster, record.Instance, record.Health.ObservedAt);
            failures.CheckNow();
        }
        else detector.HeardNotStopped(record.Cluster, record.Instance);
    }

    /// <summary>The cluster whose agent just reported its mysqld down, or whose agent's key went with its lease.</summary>
    private static string? SuspectedCluster(Event change)
    {
        var record = Read(change.Type == Event.Types.EventType.Delete ? change.PrevKv : change.Kv);
        return change.Type == Event.Types.EventType.Delete || record?.Health.MysqldUp == false ? record?.Cluster : null;
    }

    private static AgentRegistrationRecord? Read(KeyValue? pair)
    {
        if (pair is null || pair.Value.IsEmpty) return null;
        try
        {
            return JsonSerializer.Deserialize<AgentRegistrationRecord>(pair.Value.Span, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task SuspectAsync(string cluster, CancellationToken cancellation)
    {
        try
        {
            await monitor.ProbeNowAsync(cluster, cancellation);
            failures.CheckNow();
            LogSuspected(cluster);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSuspicionFailed(cluster, e);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static ByteString RangeEndOf(ByteString folder)
    {
        var end = folder.ToByteArray();
        end[^1]++;
        return ByteString.CopyFrom(end);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: an agent reported its mysqld down or went; servers probed and the master judged at once")]
    private partial void LogSuspected(string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: probing after an agent's report failed")]
    private partial void LogSuspicionFailed(string cluster, Exception exception);
}
