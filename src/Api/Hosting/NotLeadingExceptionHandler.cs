using Microsoft.AspNetCore.Diagnostics;
using MySqlHa.Coordination.Election;

namespace MySqlHa.Api.Hosting;

/// <summary>
/// A call that passed <see cref="LeaderOnly"/> can still find the term ended before it commands an agent (the lease
/// could have expired meanwhile): the agent client then sends nothing and throws. The caller gets the same 503 as a
/// process that does not lead, and tries again on the leader.
/// </summary>
internal sealed class NotLeadingExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellation)
    {
        if (exception is not NotLeadingException) return false;
        context.Response.Headers.RetryAfter = "1";
        return await problems.WriteAsync(context, exception, StatusCodes.Status503ServiceUnavailable, "This Api process no longer leads.",
            $"{exception.Message} Send the call to the leading controller.");
    }
}
