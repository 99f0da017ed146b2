using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Workflows.Actors;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Restores;
using Wolverine;

namespace MySqlHa.Workflows.Rejoins;

/// <summary>Whether a rejoin started: its id, or why not with the HTTP status of the refusal (404, 409, 502).</summary>
public sealed record RejoinStart(Guid? RejoinId, string? Refusal, int Status);

/// <summary>
/// Starts the rejoin of a fenced instance: the master's GTID state read (every server's last GTID per domain, so that
/// the master's own writes since the failover are not taken for the instance's), the instance taken (no restore or
/// other rejoin into it at once), then the saga.
/// </summary>
public sealed class RejoinStarter(ClusterStream clusters, ServerConnections connections, IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromHours(2);

    public async Task<RejoinStart> StartAsync(Guid clusterId, string instance, CancellationToken cancellation)
    {
        var rejoinId = Guid.CreateVersion7();
        string? refusal = null;
        var snapshot = await clusters.AppendAsync(clusterId, _ => null, cancellation);
        if (snapshot is null) return new(null, $"No cluster has the id {clusterId}.", 404);
        if (snapshot.Master is not { } master) return new(null, "The cluster has no master to rejoin.", 409);
        string masterState;
        try
        {
            masterState = await GtidStateAsync(master.Endpoint, snapshot.AdminCredentials, cancellation);
        }
        catch (MySqlException e)
        {
            return new(null, $"The master '{master.Name}' cannot be read: {e.Message}", 502);
        }

        var cluster = await clusters.AppendAsync(clusterId, c =>
        {
            refusal = Refusal(c, instance, master.Name);
            return refusal is null ? new InstanceRestoreStarted(clusterId, rejoinId, instance, clock.GetUtcNow()) : null;
        }, cancellation);
        if (refusal is not null) return new(null, refusal, 409);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageContext>();
            bus.UserName = CurrentActor.Name;
            await bus.InvokeAsync(new StartRejoin(rejoinId, clusterId, cluster!.Name, instance, master.Name, masterState, Deadline), cancellation);
        }
        catch
        {
            await clusters.AppendAsync(clusterId, c => c.RunningRestores.GetValueOrDefault(instance) == rejoinId
                ? new InstanceRestoreEnded(clusterId, rejoinId, instance, "not started", clock.GetUtcNow()) : null, CancellationToken.None);
            throw;
        }
        return new(rejoinId, null, 202);
    }

    private static string? Refusal(Cluster cluster, string instance, string master)
    {
        if (cluster.Find(instance) is not { } target) return $"'{instance}' is not an instance of '{cluster.Name}'.";
        if (!target.Fenced) return $"'{instance}' is not fenced; only a fenced former master is rejoined (a replica that is behind catches up by itself).";
        if (cluster.Master?.Name != master) return "The master changed meanwhile; ask again.";
        if (cluster.RunningRestores.TryGetValue(instance, out var running)) return $"Restore or rejoin {running} is running into '{instance}'.";
        return null;
    }

    private async Task<string> GtidStateAsync(ServerEndpoint master, ServerCredentials credentials, CancellationToken cancellation)
    {
        await using var connection = new MySqlConnection(connections.For(master, credentials));
        await connection.OpenAsync(cancellation);
        await using var command = new MySqlCommand("SELECT @@gtid_binlog_state", connection);
        return (string?)await command.ExecuteScalarAsync(cancellation) ?? "";
    }
}
