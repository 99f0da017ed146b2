using Grpc.Core;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Api.Hosting;

/// <summary>
/// Calls that change a server, or start an operation that will, are the leader's: only its fencing token is accepted
/// by the agents, and only it runs operations. Another Api process answers 503 naming the leader.
/// </summary>
internal sealed class LeaderOnly(LeaderElection election, EtcdConnection etcd) : IEndpointFilter
{
    /// <summary>With no leader yet (a process just started, an election under way), how long a call waits for one.</summary>
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(5);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var cancellation = context.HttpContext.RequestAborted;
        var leader = "";
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !election.IsLeader; await Task.Delay(100, cancellation))
        {
            leader = await LeaderAsync(cancellation);
            // Our own name in the key: this process has just won, and is about to say so.
            if (leader.Length > 0 && leader != election.Identity || waited.Elapsed > ElectionWait) break;
        }
        if (election.IsLeader) return await next(context);
        context.HttpContext.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "This Api process does not lead.",
            detail: leader.Length > 0 ? $"Send the call to the leading controller, {leader}."
                : "No controller leads right now (etcd out of reach, or an election under way); try again shortly.",
            extensions: new Dictionary<string, object?> { ["leader"] = leader.Length > 0 ? leader : null });
    }

    private async Task<string> LeaderAsync(CancellationToken cancellation)
    {
        try
        {
            return await etcd.Client.GetValAsync(etcd.Keys.ControllerLeader, deadline: etcd.Deadline(), cancellationToken: cancellation);
        }
        catch (RpcException)
        {
            return "";
        }
    }
}

public static class LeaderOnlyEndpoints
{
    /// <summary>The endpoint answers 503 naming the leader when this process does not lead (see <see cref="LeaderOnly"/>).</summary>
    public static TBuilder LeaderOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, LeaderOnly>().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
