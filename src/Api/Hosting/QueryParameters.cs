namespace MySqlHa.Api.Hosting;

/// <summary>Query-string values read as text and checked here, so that a malformed one is named in a validation problem.</summary>
public static class QueryParameters
{
    /// <summary>The id in <paramref name="value"/>, or null with an error under <paramref name="name"/> when it is not a GUID.</summary>
    public static Guid? ParseId(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (Guid.TryParse(value, out var id)) return id;
        errors[name] = [$"'{value}' is not an id (a GUID)."];
        return null;
    }
}
