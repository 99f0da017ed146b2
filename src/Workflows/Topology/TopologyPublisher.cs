using System.Collections.Concurrent;
using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Marten;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Topology;
using MySqlHa.Workflows.Clusters;
using Cluster = MySqlHa.Workflows.Clusters.Cluster;

namespace MySqlHa.Workflows.Topology;

/// <summary>
/// Writes each cluster's topology to {prefix}/clusters/{cluster}/topology when its version moves on, so proxies
/// follow etcd without depending on the Api. Only the leader writes, and only while it leads (each write is
/// conditional on its leader key); a version never goes backwards in etcd
/// because readers ignore older versions and we only write newer ones than we know to be there.
/// </summary>
public sealed class TopologyPublisher(IDocumentStore store, EtcdConnection etcd, LeaderElection election)
{
    private readonly ConcurrentDictionary<Guid, long> _published = new();

    public async Task PublishAsync(IReadOnlyList<Guid> clusterIds, CancellationToken cancellation)
    {
        IReadOnlyList<Cluster> clusters;
        await using (var session = store.QuerySession())
            clusters = await session.LoadManyAsync<Cluster>(cancellation, clusterIds);
        foreach (var cluster in clusters) await PublishAsync(cluster, cancellation);
    }

    /// <summary>
    /// Publishes a record just read (as <see cref="ClusterStream.AppendAsync"/> answers it), without reading it again:
    /// on a step's critical path, a round trip to PostgreSQL less before the proxies follow.
    /// </summary>
    public async Task PublishAsync(Cluster cluster, CancellationToken cancellation)
    {
        if (_published.TryGetValue(cluster.Id, out var version) && version >= cluster.Version) return;
        await PutAsync(TopologyPublication.From(cluster), cancellation);
        _published[cluster.Id] = cluster.Version;
    }

    /// <summary>
    /// Marks the cluster as switching for <paramref name="operationId"/> (once: a repeated step finds it held) and
    /// publishes it, so proxies hold new read-write connections; answers the held topology's version.
    /// </summary>
    public async Task<long> HoldTrafficAsync(ClusterStream clusters, Guid clusterId, Guid operationId, DateTimeOffset now, CancellationToken cancellation)
    {
        // Only for the operation that holds the cluster: a step that runs after its operation ended (released, or past
        // its deadline) must not hold traffic for nobody.
        var held = await clusters.AppendAsync(clusterId, c => c.Switching || c.RunningOperation != operationId ? null
            : new TrafficHeld(clusterId, operationId, now), cancellation)
            ?? throw new InvalidOperationException($"cluster {clusterId} is not recorded");
        await PublishAsync(held, cancellation);
        return held.Version;
    }

    /// <summary>Writes the document only while this process leads, in one transaction with the check that it still does.</summary>
    private async Task PutAsync(PublishedTopology topology, CancellationToken cancellation)
    {
        var written = await etcd.Client.TransactionAsync(new TxnRequest
        {
            Compare = { election.Lead().StillLeading() },
            Success = { new RequestOp { RequestPut = new PutRequest
            {
                Key = ByteString.CopyFromUtf8(etcd.Keys.Topology(topology.Cluster)),
                Value = ByteString.CopyFromUtf8(JsonSerializer.Serialize(topology)),
            } } },
        }, deadline: etcd.Deadline(), cancellationToken: cancellation);
        if (!written.Succeeded) throw new NotLeadingException();
    }
}
