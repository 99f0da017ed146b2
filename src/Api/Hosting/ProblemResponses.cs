using Microsoft.AspNetCore.Diagnostics;

namespace MySqlHa.Api.Hosting;

public static class ProblemResponses
{
    /// <summary>Answers an exception an <see cref="IExceptionHandler"/> recognised as problem+json with this status, title and detail.</summary>
    public static ValueTask<bool> WriteAsync(this IProblemDetailsService problems, HttpContext context, Exception exception, int status, string title,
        string detail)
    {
        context.Response.StatusCode = status;
        return problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
