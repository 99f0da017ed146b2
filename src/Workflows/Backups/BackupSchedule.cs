using Cronos;

namespace MySqlHa.Workflows.Backups;

/// <summary>Cron schedules of backups: five fields (minute hour day month weekday), in UTC.</summary>
public static class BackupSchedule
{
    public static string? Problem(string expression)
    {
        try
        {
            CronExpression.Parse(expression);
            return null;
        }
        catch (CronFormatException e)
        {
            return $"'{expression}' is not a cron expression of five fields ({e.Message})";
        }
    }

    /// <summary>The first time after <paramref name="after"/> the schedule names.</summary>
    public static DateTimeOffset? Next(string expression, DateTimeOffset after) =>
        CronExpression.Parse(expression).GetNextOccurrence(after, TimeZoneInfo.Utc);
}
