using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Leases;

namespace MySqlHa.Coordination.Election;

public sealed class LeaderElectionOptions
{
    /// <summary>Who we are, as written in the leader key.</summary>
    public string Identity { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>A deposed leader stops acting within this time; a dead one is replaced after it.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a follower checks whether the leader key is free.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Elects one controller through etcd: the leader key is created only if absent (compare create_revision = 0) and
/// hangs on the candidate's kept-alive lease. The revision at which the key was created is the fencing token: it
/// increases with every new term, so agents can refuse commands from a deposed leader, and writes to etcd are made
/// conditional on it (<see cref="LeadershipTerm.StillLeading"/>). A term ends when its lease could have expired by
/// this process's own clock (<see cref="KeptAliveLease.SurelyAlive"/>), when the leader key changes or vanishes (it is
/// watched), or when the process stops (the lease is revoked at once).
/// </summary>
public sealed partial class LeaderElection(
    EtcdConnection etcd, LeaderElectionOptions options, ILogger<LeaderElection> logger) : BackgroundService
{
    private volatile LeadershipTerm? _term;

    public LeadershipTerm? CurrentTerm => _term;

    /// <summary>Who this process is in the leader key.</summary>
    public string Identity => options.Identity;

    public bool IsLeader => _term is { Holds: true };

    /// <summary>The term this process leads in, checked now; otherwise <see cref="NotLeadingException"/>.</summary>
    public LeadershipTerm Lead() => _term is { Holds: true } term ? term : throw new NotLeadingException();

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var key = ByteString.CopyFromUtf8(etcd.Keys.ControllerLeader);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var lease = await KeptAliveLease.GrantAsync(etcd, options.LeaseTtl, stopping);
                var campaign = await etcd.Client.TransactionAsync(new TxnRequest
                {
                    Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(options.Identity), Lease = lease.Id } } },
                }, deadline: etcd.Deadline(), cancellationToken: stopping);
                if (campaign.Succeeded)
                {
                    using var ended = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Lost);
                    _term = new LeadershipTerm(campaign.Header.Revision, key, ended.Token, lease);
                    LogElected(options.Identity, campaign.Header.Revision);
                    try
                    {
                        await WatchLeaderKeyAsync(key, campaign.Header.Revision, ended.Token);
                    }
                    finally
                    {
                        await ended.CancelAsync();
                        _term = null;
                        LogDeposed(options.Identity, campaign.Header.Revision);
                    }
                    continue;
                }
            }
            catch (Exception e) when (e is RpcException && !stopping.IsCancellationRequested)
            {
                LogEtcdUnavailable(e.Message);
            }
            // Jitter keeps candidates that lost etcd together from campaigning in lockstep.
            await Task.Delay(options.RetryInterval + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Returns when the leader key changes or is deleted after <paramref name="createdAt"/> (someone deleted it by hand,
    /// or its lease expired in etcd first), or when the term ends otherwise. While etcd cannot be watched, the lease's
    /// own deadline bounds the term.
    /// </summary>
    private async Task WatchLeaderKeyAsync(ByteString key, long createdAt, CancellationToken ended)
    {
        var watches = new Watch.WatchClient(etcd.Invoker);
        while (!ended.IsCancellationRequested)
        {
            try
            {
                using var call = watches.Watch(cancellationToken: ended);
                await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, StartRevision = createdAt + 1 } },
                    ended);
                while (await call.ResponseStream.MoveNext(ended))
                {
                    var response = call.ResponseStream.Current;
                    // Compacted past our revision: what happened to the key since cannot be known, so the term is not trusted.
                    if (response.Events.Count > 0 || response.Canceled || response.CompactRevision > 0)
                    {
                        LogLeaderKeyChanged(options.Identity, createdAt);
                        return;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException && ended.IsCancellationRequested)
            {
                // The term ended (its lease, or the process stopping): the watch was cancelled with it.
                return;
            }
            catch (RpcException) when (!ended.IsCancellationRequested)
            {
                // The watch broke: watch again from the same revision, so nothing that happened meanwhile is missed.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), ended).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity}: the leader key of revision {Revision} changed or vanished in etcd")]
    private partial void LogLeaderKeyChanged(string identity, long revision);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} leads from etcd revision {Revision}")]
    private partial void LogElected(string identity, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} no longer leads (term of revision {Revision} ended)")]
    private partial void LogDeposed(string identity, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election cannot reach etcd: {Reason}")]
    private partial void LogEtcdUnavailable(string reason);
}
