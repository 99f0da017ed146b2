using Etcdserverpb;
using Google.Protobuf;
using MySqlHa.Coordination.Leases;

namespace MySqlHa.Coordination.Election;

/// <summary>
/// One term of leadership: its fencing token (the revision that created the leader key), a token cancelled when the
/// term ends, and whether it holds right now.
/// </summary>
public sealed class LeadershipTerm(long fencingToken, ByteString leaderKey, CancellationToken ended, KeptAliveLease lease)
{
    public long FencingToken => fencingToken;

    public CancellationToken Ended => ended;

    /// <summary>
    /// Not ended, and the lease cannot have expired in etcd by this process's own monotonic clock: checked at the
    /// moment of acting, so that a leader paused past its lease never acts on it when it runs again.
    /// </summary>
    public bool Holds => !ended.IsCancellationRequested && lease.SurelyAlive;

    /// <summary>The condition that makes an etcd transaction this term's alone: the leader key is still the one it created.</summary>
    public Compare StillLeading() => new()
    {
        Key = leaderKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = fencingToken,
    };
}
