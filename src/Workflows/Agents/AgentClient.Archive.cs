using System.Net.Http.Json;
using System.Text.Json;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Workflows.Agents;

// The binlog archive: which agent keeps it (the holder of the archiver key in etcd), and its pruning by that agent.
public sealed partial class AgentClient
{
    /// <summary>The instance whose agent archives the cluster's binlogs, or null when none does now.</summary>
    public async Task<string?> ArchiverAsync(string cluster, CancellationToken cancellation)
    {
        var holder = await etcd.Client.GetValAsync(etcd.Keys.BinlogArchiver(cluster), deadline: etcd.Deadline(), cancellationToken: cancellation);
        return holder.Length == 0 ? null : holder;
    }

    public async Task<AgentReply<ArchivePruned>> PruneArchiveAsync(string cluster, string instance, PruneArchiveRequest body, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "archive/prune") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        return await SendAsync<ArchivePruned>(cluster, instance, request, null, cancellation);
    }
}
