using System.Security.Claims;
using System.Text.Encodings.Web;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MySqlHa.Api.Security.ApiKeys;

/// <summary>
/// Signs in a caller that sends <c>X-Api-Key</c>: the key must be stored and not revoked. The caller is named
/// <c>key:&lt;name&gt;</c> on the events it causes, and holds the key's role and those below it.
/// </summary>
internal sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IQuerySession session) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var sent)) return AuthenticateResult.NoResult();
        if (!ApiKeySecret.TryParse(sent.ToString(), out var key)) return Failed("malformed", "The X-Api-Key header does not hold a MySqlHa API key.");
        var stored = await session.LoadAsync<ApiKey>(key.KeyId, Context.RequestAborted);
        if (stored is null || !key.Matches(stored)) return Failed("unknown", "The API key is not known.");
        if (!stored.Active) return Failed("revoked", "The API key was revoked.");

        var identity = new ClaimsIdentity(Roles.ClaimsFor(stored.Role).Prepend(new Claim(ClaimTypes.Name, $"key:{stored.Name}")), SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Failed(string reason, string message)
    {
        AuthMetrics.Failures.WithLabels(SchemeName, reason).Inc();
        SignInRefusal.Record(Context, message);
        return AuthenticateResult.Fail(message);
    }
}
