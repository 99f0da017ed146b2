namespace MySqlHa.Workflows.Restores;

/// <summary>What a restore ends with: the instance standalone at the backup's point, or a replica of the master (a clone).</summary>
public static class RestoreMode
{
    public const string Restore = "restore";
    public const string Clone = "clone";

    public static bool IsKnown(string? mode) => mode is Restore or Clone;
}
