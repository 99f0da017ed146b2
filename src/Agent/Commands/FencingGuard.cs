using System.Globalization;
using MySqlHa.Agent.State;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// Every command carries the issuing controller's fencing token (its etcd leadership revision) in the
/// X-Fencing-Token header; the process's one <see cref="FencingTokens"/> decides whether the sender may act. The
/// filter itself is made per request and holds nothing.
/// </summary>
internal sealed class FencingGuard(FencingTokens tokens) : IEndpointFilter
{
    public const string Header = "X-Fencing-Token";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!long.TryParse(context.HttpContext.Request.Headers[Header], NumberStyles.None, CultureInfo.InvariantCulture, out var token) || token <= 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"The {Header} header is required.",
                detail: "Send the controller's leadership revision as a positive integer.");
        if (await tokens.AcceptAsync(token, context.HttpContext.RequestAborted) is { } refusal)
        {
            AgentMetrics.Commands.WithLabels(context.HttpContext.Request.Path.Value ?? "", "stale-fencing-token").Inc();
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: refusal.Title, detail: refusal.Detail,
                extensions: new Dictionary<string, object?> { ["newestFencingToken"] = refusal.Newest });
        }
        return await next(context);
    }
}
