using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>Carries out a decided <see cref="ServerAction"/> on the cluster's server.</summary>
public sealed class ServerActions(IReplicationCommands commands)
{
    public Task<CommandOutcome> ExecuteAsync(Cluster cluster, ServerAction action, CancellationToken cancellation)
    {
        var server = cluster.Find(action.Instance)!.Endpoint;
        var admin = cluster.AdminCredentials;
        return action switch
        {
            StartReplicatingFrom start => commands.StartReplicatingFromAsync(server, admin,
                cluster.Find(start.Source)!.Endpoint, cluster.ReplicationCredentials!, cancellation),
            StopReplication stop => commands.StopReplicationAsync(server, admin, stop.ForgetSource, cancellation),
            StartReplicationThreads => commands.StartReplicationThreadsAsync(server, admin, cancellation),
            SetReadOnly readOnly => commands.SetReadOnlyAsync(server, admin, readOnly.ReadOnly, cancellation),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
    }
}
