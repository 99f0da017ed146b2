using System.Text.Json;
using System.Threading.Channels;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Topology;
using MySqlHa.Replication.Status;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Api.Clusters;

public sealed record InstanceStatsView(string Instance, string? Status, string? Reason, double? QueriesPerSecond, ServerStats Stats);

public static class TopologyApi
{
    public static IEndpointRouteBuilder MapTopology(this IEndpointRouteBuilder endpoints)
    {
        var clusters = endpoints.MapGroup("/api/clusters/{id:guid}").WithTags("Topology");
        clusters.MapGet("/topology", GetPublishedAsync).WithName("GetPublishedTopology")
            .WithSummary("The topology as published in etcd for proxies (LAIN's shape plus version, state and instances).");
        clusters.MapGet("/topology/stream", StreamAsync).WithName("StreamTopology")
            .WithSummary("Server-Sent Events: 'init' on connect, then 'update' on every new version.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        clusters.MapGet("/instances/{instance}/stats", GetStatsAsync).WithName("GetInstanceStats")
            .WithSummary("SHOW SLAVE/REPLICA STATUS, GLOBAL STATUS, GLOBAL VARIABLES and ENGINE INNODB STATUS; ?search= filters names and values.");
        return endpoints;
    }

    public static async Task<Results<Ok<PublishedTopology>, ProblemHttpResult>> GetPublishedAsync(
        Guid id, IQuerySession session, EtcdConnection etcd, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(id, cancellation) is not { } cluster) return ClusterProblems.NoSuchCluster(id);
        var value = await etcd.Client.GetValAsync(etcd.Keys.Topology(cluster.Name), deadline: etcd.Deadline(), cancellationToken: cancellation);
        return value.Length == 0
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not published yet.",
                detail: $"No topology of '{cluster.Name}' has been published to etcd yet; the leading controller publishes within a monitor interval.")
            : TypedResults.Ok(JsonSerializer.Deserialize<PublishedTopology>(value)!);
    }

    public static async Task StreamAsync(Guid id, HttpContext http, IQuerySession session, EtcdConnection etcd, CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(id, cancellation) is not { } cluster)
        {
            await ClusterProblems.NoSuchCluster(id).ExecuteAsync(http);
            return;
        }
        var updates = Channel.CreateUnbounded<PublishedTopology>(new UnboundedChannelOptions { SingleReader = true });
        var follower = new TopologyFollower(etcd, cluster.Name);
        follower.Changed += topology => updates.Writer.TryWrite(topology);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var following = follower.RunAsync(stop.Token);
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            await follower.FirstRead.WaitAsync(cancellation);
            var sent = follower.Current;
            await WriteEventAsync(http, "init", sent, cancellation);
            await foreach (var topology in updates.Reader.ReadAllAsync(cancellation))
            {
                if (!topology.IsNewerThan(sent)) continue;
                sent = topology;
                await WriteEventAsync(http, "update", topology, cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            await stop.CancelAsync();
            await following;
        }
    }

    public static async Task<Results<Ok<InstanceStatsView>, ProblemHttpResult>> GetStatsAsync(
        Guid id, string instance, string? search, IQuerySession session, ServerStatsReader reader, MonitorObservations observations,
        CancellationToken cancellation)
    {
        if (await session.LoadAsync<Cluster>(id, cancellation) is not { } cluster) return ClusterProblems.NoSuchCluster(id);
        if (cluster.Find(instance) is not { } member)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such instance.", detail: $"'{cluster.Name}' has no instance '{instance}'.");
        ServerStats stats;
        try
        {
            stats = await reader.ReadAsync(member.Endpoint, cluster.AdminCredentials, cancellation);
        }
        catch (Exception e) when (e is MySqlConnector.MySqlException or MySqlHa.Replication.Servers.CredentialsUnavailableException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The server cannot be read.", detail: $"{member.Endpoint}: {e.Message}");
        }
        var observation = observations.Find(id, instance);
        return TypedResults.Ok(new InstanceStatsView(instance, member.Status.ToString().ToUpperInvariant(), member.StatusReason,
            observation?.QueriesPerSecond, stats.Matching(search)));
    }

    private static async Task WriteEventAsync(HttpContext http, string name, PublishedTopology? topology, CancellationToken cancellation)
    {
        await http.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(topology)}\n\n", cancellation);
        await http.Response.Body.FlushAsync(cancellation);
    }
}
