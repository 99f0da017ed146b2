namespace MySqlHa.Replication.Status;

public static class GtidText
{
    /// <summary>MySQL prints long GTID sets over several lines ("uuid:1-5,\nuuid:1-3"); we keep them on one.</summary>
    public static string Normalize(string gtidSet) =>
        gtidSet.Replace("\r", "").Replace("\n", "").Trim();
}
