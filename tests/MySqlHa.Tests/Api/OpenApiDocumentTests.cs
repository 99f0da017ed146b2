using System.Text.Json;
using System.Text.Json.Nodes;

namespace MySqlHa.Tests.Api;

/// <summary>
/// docs/openapi/mysqlha.v1.json is the committed contract. This test fails when the Api drifts from it; run the
/// tests with MYSQLHA_UPDATE_OPENAPI=1 to rewrite the file, and review the diff like any other change.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiDocumentTests(ApiFactory api)
{
    [Fact]
    public async Task Served_openapi_document_matches_the_committed_one()
    {
        var served = Normalize(await api.CreateClient().GetStringAsync("/swagger/v1/swagger.json"));
        var committedPath = Path.Combine(RepositoryRoot(), "docs", "openapi", "mysqlha.v1.json");

        if (Environment.GetEnvironmentVariable("MYSQLHA_UPDATE_OPENAPI") == "1")
            await File.WriteAllTextAsync(committedPath, served);

        Assert.True(File.Exists(committedPath), $"{committedPath} is missing; run the tests once with MYSQLHA_UPDATE_OPENAPI=1");
        Assert.Equal(await File.ReadAllTextAsync(committedPath), served);
    }

    private static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "MySqlHa.sln"))) return directory.FullName;
        throw new InvalidOperationException("Cannot find MySqlHa.sln");
    }
}
