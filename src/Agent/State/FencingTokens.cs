using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using MySqlHa.Agent.Commands;
using MySqlHa.Agent.Configuration;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Storage;

namespace MySqlHa.Agent.State;

/// <summary>Why a fencing token was refused, or null when it was accepted.</summary>
internal sealed record FencingRefusal(string Title, string Detail, long Newest);

/// <summary>
/// The newest controller fencing token this agent has accepted, one per agent process, kept durably in the state
/// folder so that a restart does not forget it. A token is a leader key's create revision in etcd, so:
/// <list type="bullet">
/// <item>one older than the newest accepted comes from a deposed controller;</item>
/// <item>when etcd answers, one other than the current leader key's revision is not the leader's (older: deposed;
/// newer: never issued, so a forged huge token cannot lock every controller out), and with no leader key, one
/// beyond etcd's own revision was never issued.</item>
/// </list>
/// When etcd does not answer in time, only the first rule applies: the agent must stay commandable while etcd is
/// down, and the newest token still fences every controller that led before it.
/// </summary>
internal sealed class FencingTokens
{
    private const string FileName = "fencing-token";

    /// <summary>A command waits this long at most for etcd's view of the leader before it is judged on the first rule alone.</summary>
    private static readonly TimeSpan LeaderLookupBound = TimeSpan.FromMilliseconds(500);

    private readonly Lock _lock = new();
    private readonly string _file;
    private readonly EtcdConnection _etcd;
    private long _newest;

    public FencingTokens(AgentSettings settings, EtcdConnection etcd)
    {
        _etcd = etcd;
        Directory.CreateDirectory(settings.StateDirectory);
        _file = Path.Combine(settings.StateDirectory, FileName);
        _newest = Load(_file);
        AgentMetrics.NewestFencingToken.Set(_newest);
    }

    public async Task<FencingRefusal?> AcceptAsync(long token, CancellationToken cancellation)
    {
        var leader = await LookUpLeaderAsync(cancellation);
        lock (_lock)
        {
            if (token < _newest)
                return new FencingRefusal("Stale fencing token.",
                    $"Token {token} is older than {_newest}, which a newer controller has used: the sender no longer leads.", _newest);
            if (leader is { LeaderRevision: { } revision } && token != revision)
                return token < revision
                    ? new FencingRefusal("Stale fencing token.", $"Token {token} is older than the current leader's ({revision}): the sender no longer leads.", _newest)
                    : new FencingRefusal("Unknown fencing token.", $"Token {token} is newer than the current leader's ({revision}): no controller was given it.", _newest);
            if (leader is { LeaderRevision: null, StoreRevision: var store } && token > store)
                return new FencingRefusal("Unknown fencing token.", $"Token {token} is beyond etcd's revision {store}: no controller was given it.", _newest);
            if (token > _newest)
            {
                // On disk before the command runs: a restart must never forget a token the agent acted on.
                DurableFile.Replace(_file, token.ToString(CultureInfo.InvariantCulture));
                _newest = token;
                AgentMetrics.NewestFencingToken.Set(token);
            }
            return null;
        }
    }

    private sealed record LeaderView(long? LeaderRevision, long StoreRevision);

    private async Task<LeaderView?> LookUpLeaderAsync(CancellationToken cancellation)
    {
        try
        {
            var range = await _etcd.Client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.ControllerLeader) },
                deadline: DateTime.UtcNow + LeaderLookupBound, cancellationToken: cancellation);
            return new LeaderView(range.Kvs.Count > 0 ? range.Kvs[0].CreateRevision : null, range.Header.Revision);
        }
        catch (RpcException)
        {
            return null;
        }
    }

    private static long Load(string file)
    {
        if (!File.Exists(file)) return 0;
        var text = File.ReadAllText(file).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var token) && token > 0
            ? token
            : throw new AgentStateException($"{file} holds '{text}', not a fencing token. The agent will not guess which controllers " +
                "it may obey: stop every controller but the leader, write the leader's revision (etcdctl get --write-out=json " +
                "<prefix>/controller/leader: create_revision) into the file, and start the agent again.");
    }
}

/// <summary>The agent's state folder holds something it cannot use; it refuses to start rather than act on a guess.</summary>
public sealed class AgentStateException(string message) : Exception(message);
