using MySqlHa.Api.Hosting;
using MySqlHa.Replication.Servers;
using MySqlHa.Api.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Replication.Status;
using MySqlHa.Replication.Topology;
using MySqlHa.Workflows.Clusters;
using Wolverine;

namespace MySqlHa.Api.Clusters;

public static class ClustersApi
{
    public static IEndpointRouteBuilder MapClusters(this IEndpointRouteBuilder endpoints)
    {
        var clusters = endpoints.MapGroup("/api/clusters").WithTags("Clusters");
        clusters.MapPost("/", RegisterAsync).WithName("RegisterCluster").RequireAuthorization(Roles.Admin)
            .WithSummary("Put a cluster under management after checking every endpoint against the live server.");
        clusters.MapGet("/", ListAsync).WithName("ListClusters");
        clusters.MapGet("/{id:guid}", GetAsync).WithName("GetCluster")
            .WithSummary("The cluster as registered, plus the replication topology the servers report now.");
        return endpoints;
    }

    public static async Task<Results<Created<ClusterView>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterClusterRequest request, IQuerySession session, IServerProbe probe, ISecretSource secrets, IMessageBus bus, CancellationToken cancellation)
    {
        var errors = request.Validate(secrets);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The cluster registration is not valid.");

        if (await session.Query<Cluster>().AnyAsync(c => c.Name == request.Name, cancellation))
            return NameTaken(request.Name!);

        var members = request.Members;
        if (await ManagedElsewhereAsync(members, session, cancellation) is { } managed) return managed;
        var probes = await Task.WhenAll(members.Select(m => probe.ReadAsync(m.Endpoint, request.Admin, cancellation)));
        var serverProblems = ServerProblems(request, probes);
        if (serverProblems.Count > 0)
            return TypedResults.ValidationProblem(serverProblems, title: "Some instances cannot be managed as given.",
                type: "https://mysqlha.dev/problems/unreachable-or-mismatched-instance");

        var command = new RegisterCluster(Guid.CreateVersion7(), request.Name!, request.ParsedFlavor, members,
            request.Admin, request.Replication, probes.ToDictionary(p => members.Single(m => m.Endpoint == p.Endpoint).Name, p => p.Snapshot!.Version));
        try
        {
            await bus.InvokeAsync(command, cancellation);
        }
        catch (Exception e) when (StoreErrors.IsUniqueViolation(e))
        {
            return NameTaken(request.Name!);
        }

        var cluster = await session.LoadAsync<Cluster>(command.ClusterId, cancellation)
            ?? throw new InvalidOperationException($"Cluster {command.ClusterId} was registered but cannot be read back.");
        var topology = DiscoveredTopology.From(members, probes, probes.Max(p => p.Snapshot!.ObservedAt));
        return TypedResults.Created($"/api/clusters/{cluster.Id}", ClusterView.From(cluster, topology));
    }

    public static async Task<Ok<IReadOnlyList<ClusterView>>> ListAsync(IQuerySession session, CancellationToken cancellation)
    {
        var clusters = await session.Query<Cluster>().OrderBy(c => c.Name).ToListAsync(cancellation);
        return TypedResults.Ok<IReadOnlyList<ClusterView>>(clusters.Select(c => ClusterView.From(c, topology: null)).ToList());
    }

    public static async Task<Results<Ok<ClusterView>, ProblemHttpResult>> GetAsync(
        Guid id, IQuerySession session, TopologyDiscovery discovery, CancellationToken cancellation)
    {
        var cluster = await session.LoadAsync<Cluster>(id, cancellation);
        if (cluster is null) return ClusterProblems.NoSuchCluster(id);
        var topology = await discovery.DiscoverAsync(cluster.Members, cluster.AdminCredentials, cancellation);
        return TypedResults.Ok(ClusterView.From(cluster, topology));
    }

    private static Dictionary<string, string[]> ServerProblems(RegisterClusterRequest request, ProbeResult[] probes)
    {
        var problems = new Dictionary<string, string[]>();
        for (var i = 0; i < probes.Length; i++)
        {
            var probe = probes[i];
            if (probe.Snapshot is null)
                problems[$"instances[{i}]"] = [$"{probe.Endpoint} cannot be reached with the admin credentials: {probe.Failure}"];
            else if (probe.Snapshot.Flavor != request.ParsedFlavor)
                problems[$"instances[{i}]"] = [$"{probe.Endpoint} runs {probe.Snapshot.Version}, which is not {request.Flavor}."];
        }
        if (probes.Any(p => p.Snapshot?.Flavor is { } flavor && flavor != request.ParsedFlavor))
            problems["flavor"] = [$"The servers do not run {request.Flavor}."];
        return problems;
    }

    /// <summary>
    /// A server has one controller record: two clusters claiming it would have two monitors, and maybe two failovers,
    /// acting on it.
    /// </summary>
    private static async Task<ProblemHttpResult?> ManagedElsewhereAsync(IReadOnlyList<NamedEndpoint> members, IQuerySession session,
        CancellationToken cancellation)
    {
        var clusters = await session.Query<Cluster>().ToListAsync(cancellation);
        var taken = (from member in members
            from cluster in clusters
            where cluster.Members.Any(m => m.Endpoint.Port == member.Endpoint.Port
                && string.Equals(m.Endpoint.Host, member.Endpoint.Host, StringComparison.OrdinalIgnoreCase))
            select $"{member.Endpoint} is managed by cluster '{cluster.Name}' ({cluster.Id})").ToList();
        return taken.Count == 0 ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "An instance is managed by another cluster.",
                detail: string.Join("; ", taken) + ". Unregister it there first.");
    }

    private static ProblemHttpResult NameTaken(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The cluster name is taken.",
            detail: $"A cluster named '{name}' is already registered.",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["name"] = [$"'{name}' is already registered."] } });
}
