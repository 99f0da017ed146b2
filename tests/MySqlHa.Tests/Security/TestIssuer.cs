using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MySqlHa.Tests.Security;

/// <summary>
/// An OIDC issuer on loopback that serves its discovery document and signing key, and signs the tokens a test asks
/// for: the Api fetches the key from it as it would from a real issuer.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly WebApplication _app;

    private TestIssuer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    private RsaSecurityKey SigningKey => new(_key) { KeyId = "test-key" };

    public static async Task<TestIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        TestIssuer? issuer = null;
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new { issuer = issuer!.Url, jwks_uri = $"{issuer.Url}/jwks" }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(issuer!._key.ExportParameters(false)) { KeyId = "test-key" });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        await app.StartAsync();
        issuer = new TestIssuer(app, app.Urls.Single());
        return issuer;
    }

    /// <summary>A token for <paramref name="subject"/> with <paramref name="roles"/>, signed with this issuer's key unless another is given.</summary>
    public string Token(string subject, string audience, string[] roles, TimeSpan? lifetime = null, RSA? signWith = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(5));
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["roles"] = roles };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Url,
            Audience = audience,
            Claims = claims,
            IssuedAt = expires < now ? expires.AddMinutes(-10) : now,
            NotBefore = expires < now ? expires.AddMinutes(-10) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(signWith is null ? SigningKey : new RsaSecurityKey(signWith) { KeyId = "test-key" },
                SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
    }
}
