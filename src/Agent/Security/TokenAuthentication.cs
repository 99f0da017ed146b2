using System.Security.Cryptography;
using System.Text;
using MySqlHa.Agent.Configuration;

namespace MySqlHa.Agent.Security;

/// <summary>Every command needs "Authorization: Bearer {token}" with the shared token from the agent's secret file.</summary>
internal sealed class TokenAuthentication(AgentSettings settings) : IEndpointFilter
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(settings.Token);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header["Bearer ".Length..]) : [];
        // Constant time, so that the comparison does not tell an attacker how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(presented, _expected))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A valid bearer token is required.");
        return await next(context);
    }
}
