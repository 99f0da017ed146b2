namespace MySqlHa.Api.Hosting;

public static class StoreErrors
{
    /// <summary>Whether PostgreSQL refused a write for a unique index (a name taken), however deep Marten wrapped it.</summary>
    public static bool IsUniqueViolation(Exception e) =>
        e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || (e.InnerException is not null && IsUniqueViolation(e.InnerException));
}
