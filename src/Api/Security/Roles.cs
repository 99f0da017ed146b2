using System.Security.Claims;

namespace MySqlHa.Api.Security;

/// <summary>
/// The three roles, each holding the ones below it: a viewer reads; an operator also runs the lifecycle and
/// switchovers; an admin also manages keys and webhooks, registers clusters, sets the failover policy, acknowledges
/// and forces failovers, configures semi-sync and releases stuck operations. Each role is also the name of the
/// authorization policy that requires it.
/// </summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    /// <summary>Lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);

    /// <summary>The role and every role below it, as role claims, so that a policy asks for one role only.</summary>
    public static IEnumerable<Claim> ClaimsFor(string role) =>
        All.Take(All.ToList().IndexOf(role) + 1).Select(held => new Claim(ClaimTypes.Role, held));

    /// <summary>The highest of <paramref name="roles"/> that is known, or null.</summary>
    public static string? Highest(IEnumerable<string> roles) => All.LastOrDefault(roles.Contains);
}
