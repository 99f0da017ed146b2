using System.Text.Json;

namespace MySqlHa.Workflows.Operations;

public static class StepNames
{
    /// <summary>A step as events and the API write it ("catch-up", not CatchUp).</summary>
    public static string Name<TStep>(this TStep step) where TStep : struct, Enum => JsonSerializer.Serialize(step).Trim('"');
}
