using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MySqlHa.Api.Security.ApiKeys;

public sealed record CreateApiKeyRequest(string? Name, string? Role);

/// <summary>API keys, managed by admins: a key's secret is shown once, when it is created.</summary>
public static partial class ApiKeysApi
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();

    public static IEndpointRouteBuilder MapApiKeys(this IEndpointRouteBuilder endpoints)
    {
        var keys = endpoints.MapGroup("/api/keys").WithTags("Security").RequireAuthorization(Roles.Admin);
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey")
            .WithSummary("Create an API key with a role (viewer, operator or admin); the answer holds its secret, shown this once. Send it as the X-Api-Key header.");
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("Every key, revoked ones included; never a secret.");
        keys.MapDelete("/{id:guid}", RevokeAsync).WithName("RevokeApiKey")
            .WithSummary("Revoke a key: it signs nobody in from now on. The key stays listed, with who revoked it and when.");
        return endpoints;
    }

    public static async Task<Results<Created<CreatedApiKeyView>, ValidationProblem, ProblemHttpResult>> CreateAsync(CreateApiKeyRequest request,
        ApiKeyStore keys, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Name is null || !NamePattern().IsMatch(request.Name))
            errors["name"] = ["Use 1 to 63 lower-case letters, digits, '.', '-' or '_', starting with a letter or digit."];
        if (!Roles.IsKnown(request.Role)) errors["role"] = [$"'{request.Role}' is not a role; use {string.Join(", ", Roles.All)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The key cannot be created as asked.");

        var secret = ApiKeySecret.New();
        var key = await keys.CreateAsync(secret, request.Name!, request.Role!, cancellation);
        if (key is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The key name is taken.",
                detail: $"A key named '{request.Name}' exists (revoked keys keep their names, so that the audit trail stays unambiguous).");
        return TypedResults.Created($"/api/keys/{key.Id}", new CreatedApiKeyView(ApiKeyView.From(key), secret.Text));
    }

    public static async Task<Ok<List<ApiKeyView>>> ListAsync(IQuerySession session, CancellationToken cancellation)
    {
        var keys = await session.Query<ApiKey>().OrderBy(k => k.CreatedAt).ToListAsync(cancellation);
        return TypedResults.Ok(keys.Select(ApiKeyView.From).ToList());
    }

    public static async Task<Results<Ok<ApiKeyView>, ProblemHttpResult>> RevokeAsync(Guid id, ApiKeyStore keys, CancellationToken cancellation)
    {
        var key = await keys.RevokeAsync(id, cancellation);
        return key is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such key.", detail: $"No API key has the id {id}.")
            : TypedResults.Ok(ApiKeyView.From(key));
    }
}
