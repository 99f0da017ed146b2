namespace MySqlHa.Tests.Replication;

/// <summary>Reads the vertical (\G) output of a status statement recorded under Replication/Recorded.</summary>
public static class Recorded
{
    public static IReadOnlyDictionary<string, string?> VerticalRow(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Replication", "Recorded", file);
        var row = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string? lastColumn = null;
        foreach (var line in File.ReadAllLines(path).Skip(1))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var column = colon > 0 ? line[..colon].Trim() : null;
            if (column is { Length: > 0 } && !column.Contains(' ') && !column.Contains(','))
            {
                var value = line[(colon + 2)..];
                row[column] = value == "NULL" ? null : value;
                lastColumn = column;
            }
            else if (line.EndsWith(':') && !line.Contains(' '))
            {
                row[line.TrimEnd(':').Trim()] = "";
            }
            else if (lastColumn is not null)
            {
                row[lastColumn] += "\n" + line;
            }
        }
        return row;
    }
}
