using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using MySqlHa.Agent.Configuration;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Leases;
using MySqlHa.Coordination.Topology;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// One archiver per cluster: every agent with the archive enabled campaigns for
/// <c>{prefix}/clusters/{cluster}/binlog-archiver</c>, created only if absent and hung on the agent's kept-alive lease.
/// The holder follows the published topology and archives whichever server it names as master, restarting on the new
/// one when it changes; it stops when its lease could have expired, so that two agents never write the index at once
/// for longer than the lease's margin. A dead holder's key vanishes with its lease and another agent takes over.
/// </summary>
internal sealed partial class BinlogArchiver(
    AgentSettings settings, EtcdConnection etcd, ArchiveSession archiveSession, ArchiveState state, TimeProvider clock, ILogger<BinlogArchiver> logger)
    : BackgroundService
{
    /// <summary>How often a candidate looks whether the key is free, and how long a failed session waits before the next.</summary>
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var key = ByteString.CopyFromUtf8(etcd.Keys.BinlogArchiver(settings.Cluster));
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var lease = await KeptAliveLease.GrantAsync(etcd, settings.LeaseTtl, stopping);
                var campaign = await etcd.Client.TransactionAsync(new TxnRequest
                {
                    Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(settings.Instance), Lease = lease.Id } } },
                }, deadline: etcd.Deadline(), cancellationToken: stopping);
                if (campaign.Succeeded)
                {
                    // Lost: the lease could have expired, or the key changed or vanished (watched; deleted by hand, say):
                    // another agent may hold it. Holding ends then, or when the agent stops (its lease still held).
                    using var lost = CancellationTokenSource.CreateLinkedTokenSource(lease.Lost);
                    using var holding = CancellationTokenSource.CreateLinkedTokenSource(stopping, lost.Token);
                    LogHolding(settings.Instance, settings.Cluster);
                    state.Holding(holding.Token);
                    var watch = KeyWatch.UntilChangedAsync(etcd, key, campaign.Header.Revision, lost, holding.Token);
                    try
                    {
                        await FollowMasterAsync(holding.Token, lost.Token);
                    }
                    finally
                    {
                        await holding.CancelAsync();
                        await watch;
                        state.Released();
                        LogReleased(settings.Instance);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                LogEtcdUnavailable(e.Message);
            }
            // Jitter, so that candidates cut off together do not campaign in lockstep.
            await Task.Delay(RetryInterval + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), clock, stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Archives the published master, session after session, until <paramref name="holding"/> ends.</summary>
    private async Task FollowMasterAsync(CancellationToken holding, CancellationToken lost)
    {
        var topology = new TopologyFollower(etcd, settings.Cluster);
        using var changed = new SemaphoreSlim(0);
        topology.Changed += _ => changed.Release();
        var following = topology.RunAsync(holding);
        try
        {
            await topology.FirstRead.WaitAsync(holding);
            while (!holding.IsCancellationRequested)
            {
                var master = MasterOf(topology.Current);
                state.Following(master?.ToString());
                if (master is null)
                {
                    await changed.WaitAsync(holding);
                    continue;
                }
                using var session = CancellationTokenSource.CreateLinkedTokenSource(holding);
                // A new document that names another master ends the session; one that names the same master does not.
                var watcher = WatchForOtherMasterAsync(topology, changed, master, session);
                try
                {
                    await archiveSession.RunAsync(master, session.Token, lost);
                }
                catch (Exception) when (session.IsCancellationRequested)
                {
                    // Stopped on purpose (the master changed, or the key is no longer held), whatever was being done then.
                }
                catch (Exception e)
                {
                    state.Failed($"{clock.GetUtcNow():O} {master}: {e.Message}");
                    LogSessionFailed(master.ToString(), e.Message);
                    await Task.Delay(RetryInterval, clock, session.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                await session.CancelAsync();
                await watcher;
            }
        }
        catch (OperationCanceledException) when (holding.IsCancellationRequested)
        {
            // The key is no longer held, or the agent stops.
        }
        finally
        {
            await following.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task WatchForOtherMasterAsync(TopologyFollower topology, SemaphoreSlim changed, ServerEndpoint master, CancellationTokenSource session)
    {
        try
        {
            while (MasterOf(topology.Current) == master) await changed.WaitAsync(session.Token);
            await session.CancelAsync();
        }
        catch (OperationCanceledException)
        {
            // The session ended first.
        }
    }

    private static ServerEndpoint? MasterOf(PublishedTopology? topology) =>
        topology?.Master.Containers.FirstOrDefault() is { } master ? new ServerEndpoint(master.Ip, master.Port) : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Instance} holds the binlog archiver key of cluster {Cluster}")]
    private partial void LogHolding(string instance, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Instance} no longer archives (stopping, or its lease could have expired)")]
    private partial void LogReleased(string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archiving {Master} failed: {Reason}; trying again")]
    private partial void LogSessionFailed(string master, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The binlog archiver cannot reach etcd: {Reason}; retrying")]
    private partial void LogEtcdUnavailable(string reason);
}
