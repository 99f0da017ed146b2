using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MySqlHa.Api.Security;

/// <summary>Who signed in and with which role: <paramref name="Role"/> is the highest role held.</summary>
public sealed record CallerView(string Name, string Role);

/// <summary>Lets a client (the web console) check a key and show only the actions its role may take.</summary>
public static class CallerApi
{
    public static IEndpointRouteBuilder MapCaller(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/me", Get).WithTags("Security").WithName("GetCaller").RequireAuthorization(Roles.Viewer)
            .WithSummary("The caller's name (key:<name> or oidc:<subject>) and highest role.");
        return endpoints;
    }

    public static Ok<CallerView> Get(ClaimsPrincipal user) =>
        TypedResults.Ok(new CallerView(user.Identity!.Name!, Roles.Highest(user.FindAll(ClaimTypes.Role).Select(claim => claim.Value))!));
}
