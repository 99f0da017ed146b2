using Microsoft.OpenApi;
using MySqlHa.Api.Security.ApiKeys;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace MySqlHa.Api.Security;

/// <summary>The sign-in schemes in the OpenAPI document, so that Swagger UI's Authorize button lets an operator try calls.</summary>
public static class SwaggerAuthentication
{
    public static void DescribeAuthentication(this SwaggerGenOptions swagger, AuthOptions options)
    {
        swagger.AddSecurityDefinition(ApiKeyAuthentication.SchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthentication.Header,
            Description = "An API key (mysqlha_…), created by an admin; the bootstrap admin key on a new installation.",
        });
        swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.SchemeName, document)] = [],
        });
        if (!options.Jwt.Enabled) return;
        swagger.AddSecurityDefinition("Bearer", new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = $"A token from {options.Jwt.Authority} for the audience {options.Jwt.Audience}, with roles in its '{options.Jwt.RoleClaim}' claim.",
        });
        swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference("Bearer", document)] = [],
        });
    }
}
