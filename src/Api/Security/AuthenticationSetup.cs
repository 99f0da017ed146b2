using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using MySqlHa.Api.Security.ApiKeys;
using MySqlHa.Workflows.Actors;
using Wolverine;

namespace MySqlHa.Api.Security;

/// <summary>
/// Every call signs in with an API key (X-Api-Key) or, when an issuer is configured, a bearer token, and every
/// endpoint asks for a role: viewer unless it says otherwise.
/// </summary>
public static class AuthenticationSetup
{
    /// <summary>Picks the API key scheme when the call carries a key, the bearer scheme otherwise.</summary>
    private const string EitherScheme = "ApiKeyOrBearer";

    public static IServiceCollection AddMySqlHaAuthentication(this IServiceCollection services, AuthOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<BootstrapAdminKey>();
        services.AddHostedService(provider => provider.GetRequiredService<BootstrapAdminKey>());
        services.ConfigureMarten(marten => marten.Schema.For<ApiKey>().UniqueIndex(key => key.Name));

        var authentication = services.AddAuthentication(EitherScheme)
            .AddPolicyScheme(EitherScheme, "API key or bearer token", either => either.ForwardDefaultSelector = context =>
                !options.Jwt.Enabled || context.Request.Headers.ContainsKey(ApiKeyAuthentication.Header)
                    ? ApiKeyAuthentication.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, _ => { });
        if (options.Jwt.Enabled) authentication.AddJwtBearer(bearer => Configure(bearer, options.Jwt));

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireRole(Roles.Viewer).Build())
            .AddPolicy(Roles.Viewer, policy => policy.RequireRole(Roles.Viewer))
            .AddPolicy(Roles.Operator, policy => policy.RequireRole(Roles.Operator))
            .AddPolicy(Roles.Admin, policy => policy.RequireRole(Roles.Admin));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResults>();
        return services;
    }

    /// <summary>Signs callers in, then makes the caller the actor of everything the call records.</summary>
    public static WebApplication UseMySqlHaAuthentication(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use((context, next) =>
        {
            var caller = context.User.Identity?.Name;
            CurrentActor.Use(caller);
            // The messages the call sends carry the caller to their handlers (Wolverine relays it from there on).
            if (caller is not null && context.RequestServices.GetService<IMessageContext>() is { } messaging) messaging.UserName = caller;
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// A token's roles come from the configured claim; its subject names it on events (<c>oidc:&lt;subject&gt;</c>).
    /// A token without a known role signs in, and is then refused by every endpoint.
    /// </summary>
    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt)
    {
        bearer.Authority = jwt.Authority;
        bearer.Audience = jwt.Audience;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        bearer.MapInboundClaims = false;
        bearer.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var token = context.Principal!;
                var subject = token.FindFirst(jwt.NameClaim)?.Value;
                if (string.IsNullOrWhiteSpace(subject))
                {
                    AuthMetrics.Failures.WithLabels(JwtBearerDefaults.AuthenticationScheme, "invalid").Inc();
                    SignInRefusal.Record(context.HttpContext, $"The token has no '{jwt.NameClaim}' claim to name its caller.");
                    context.Fail($"The token has no '{jwt.NameClaim}' claim to name its caller.");
                    return Task.CompletedTask;
                }
                var role = Roles.Highest(token.FindAll(jwt.RoleClaim).Select(claim => claim.Value));
                var claims = (role is null ? [] : Roles.ClaimsFor(role)).Prepend(new Claim(ClaimTypes.Name, $"oidc:{subject}"));
                context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, JwtBearerDefaults.AuthenticationScheme));
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                AuthMetrics.Failures.WithLabels(JwtBearerDefaults.AuthenticationScheme, "invalid").Inc();
                // The exception's type says what failed (signature, lifetime, audience, issuer); its message may quote the token.
                SignInRefusal.Record(context.HttpContext, $"The bearer token was refused ({context.Exception.GetType().Name}).");
                return Task.CompletedTask;
            },
        };
    }
}
