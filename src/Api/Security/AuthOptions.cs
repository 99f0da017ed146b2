namespace MySqlHa.Api.Security;

/// <summary>How callers sign in (section MySqlHa:Auth).</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// The bootstrap admin key's file. On a first start (no key stored), the key in this file is stored as the admin
    /// key "bootstrap", or, when the file does not exist, a new key is written to it (mode 0600). Unset: a new key is
    /// printed once on standard output.
    /// </summary>
    public string BootstrapKeyFile { get; set; } = "";

    /// <summary>Whether /healthz answers without credentials (load balancers probe it).</summary>
    public bool AnonymousHealth { get; set; } = true;

    /// <summary>Whether /metrics answers without credentials (Prometheus scrapes it).</summary>
    public bool AnonymousMetrics { get; set; } = true;

    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>Bearer tokens from an OIDC issuer (section MySqlHa:Auth:Jwt); off while Authority is empty.</summary>
public sealed class JwtOptions
{
    /// <summary>The issuer, whose /.well-known/openid-configuration gives its signing keys.</summary>
    public string Authority { get; set; } = "";

    public string Audience { get; set; } = "";

    /// <summary>The claim that carries the caller's roles (viewer, operator, admin).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The claim that names the caller on the events it causes.</summary>
    public string NameClaim { get; set; } = "sub";

    /// <summary>Only an issuer on loopback, in tests, may be reached over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => Authority.Length > 0;
}
