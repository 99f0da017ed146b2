using System.Text.Json.Nodes;

namespace MySqlHa.Tests.Api;

/// <summary>Reading an operation's view (GET /api/operations/{id}) as the tests need it.</summary>
public static class OperationSteps
{
    /// <summary>The data of the one step recorded as event <paramref name="name"/>.</summary>
    public static JsonNode Step(JsonNode operation, string name) =>
        operation["steps"]!.AsArray().Single(s => (string?)s!["event"] == name)!["data"]!;

    /// <summary>The data of every step recorded as event <paramref name="name"/>, in order.</summary>
    public static IEnumerable<JsonNode> Steps(JsonNode operation, string name) =>
        operation["steps"]!.AsArray().Where(s => (string?)s!["event"] == name).Select(s => s!["data"]!);
}
