using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using MySqlHa.Api.Security.ApiKeys;

namespace MySqlHa.Api.Security;

/// <summary>A refused call is answered with problem+json that says why: no credentials, refused ones, or a missing role.</summary>
internal sealed class ProblemAuthorizationResults(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _challengeOrForbid = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded)
        {
            await next(context);
            return;
        }
        // The schemes' own answers first (status, WWW-Authenticate), then a body that explains them.
        await _challengeOrForbid.HandleAsync(next, context, policy, result);
        string title, detail;
        if (result.Forbidden)
        {
            var needed = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).FirstOrDefault() ?? Roles.Viewer;
            AuthMetrics.Failures.WithLabels(context.User.Identity?.AuthenticationType ?? "", "forbidden").Inc();
            title = "The caller's role does not allow this call.";
            detail = $"{context.User.Identity?.Name} may not do this: it needs the {needed} role.";
        }
        else
        {
            var refusal = SignInRefusal.Of(context);
            if (refusal is null) AuthMetrics.Failures.WithLabels("", "missing").Inc();
            title = "The call is not signed in.";
            detail = refusal ?? $"Send an API key as the {ApiKeyAuthentication.Header} header, or a bearer token from the configured issuer.";
        }
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = context.Response.StatusCode, Title = title, Detail = detail },
        });
    }
}
