using System.Text.Json.Serialization;

namespace MySqlHa.Replication.Servers;

/// <summary>The two server families we manage; their GTID and replication statements differ.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DatabaseFlavor>))]
public enum DatabaseFlavor
{
    [JsonStringEnumMemberName("mariadb")]
    MariaDb,

    [JsonStringEnumMemberName("mysql")]
    MySql,
}

public static class DatabaseFlavorNames
{
    public static bool TryParse(string? text, out DatabaseFlavor flavor)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "mariadb":
                flavor = DatabaseFlavor.MariaDb;
                return true;
            case "mysql":
                flavor = DatabaseFlavor.MySql;
                return true;
            default:
                flavor = default;
                return false;
        }
    }

    public static string ToName(this DatabaseFlavor flavor) => flavor switch
    {
        DatabaseFlavor.MariaDb => "mariadb",
        DatabaseFlavor.MySql => "mysql",
        _ => throw new ArgumentOutOfRangeException(nameof(flavor), flavor, null),
    };

    /// <summary>
    /// The version as a person reads it. MariaDB announces itself as "5.5.5-10.11.6-MariaDB..." on the wire
    /// for the sake of old clients; the "5.5.5-" is dropped.
    /// </summary>
    public static string CleanServerVersion(string version) =>
        version.StartsWith("5.5.5-", StringComparison.Ordinal) && version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase)
            ? version["5.5.5-".Length..]
            : version;

    /// <summary>MariaDB says so in its version string ("10.11.6-MariaDB-0+deb12u1"); MySQL does not.</summary>
    public static DatabaseFlavor FromServerVersion(string version) =>
        version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase) ? DatabaseFlavor.MariaDb : DatabaseFlavor.MySql;
}
