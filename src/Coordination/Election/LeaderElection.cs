using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Leases;

namespace MySqlHa.Coordination.Election;

/// <summary>One term of leadership: its fencing token and a token that is cancelled when the term ends.</summary>
public sealed record LeadershipTerm(long FencingToken, CancellationToken Ended);

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
/// increases with every new term, so agents can refuse commands from a deposed leader. Leadership ends when the
/// lease is lost (etcd unreachable past the TTL, or revoked) or the process stops (the lease is revoked at once).
/// </summary>
public sealed partial class LeaderElection(
    EtcdConnection etcd, LeaderElectionOptions options, ILogger<LeaderElection> logger) : BackgroundService
{
    private volatile LeadershipTerm? _term;

    public LeadershipTerm? CurrentTerm => _term;

    public bool IsLeader => _term is { Ended.IsCancellationRequested: false };

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
                    _term = new LeadershipTerm(campaign.Header.Revision, ended.Token);
                    LogElected(options.Identity, campaign.Header.Revision);
                    await Task.Delay(Timeout.Infinite, ended.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    await ended.CancelAsync();
                    LogDeposed(options.Identity, campaign.Header.Revision);
                    _term = null;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} leads from etcd revision {Revision}")]
    private partial void LogElected(string identity, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} no longer leads (term of revision {Revision} ended)")]
    private partial void LogDeposed(string identity, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election cannot reach etcd: {Reason}")]
    private partial void LogEtcdUnavailable(string reason);
}
