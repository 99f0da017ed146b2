using Microsoft.AspNetCore.Diagnostics;

namespace MySqlHa.Api.Hosting;

/// <summary>
/// A body that cannot be read (malformed JSON, wrong types) is the caller's mistake: answer with its 4xx status as
/// problem+json and say what was wrong, instead of the generic 500 the exception handler would give.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellation)
    {
        if (exception is not BadHttpRequestException badRequest) return false;
        return await problems.WriteAsync(context, exception, badRequest.StatusCode, "The request body cannot be read.",
            badRequest.InnerException?.Message ?? badRequest.Message);
    }
}
