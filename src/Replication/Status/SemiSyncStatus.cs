namespace MySqlHa.Replication.Status;

/// <summary>
/// What a server says about semi-synchronous replication. <paramref name="MasterEnabled"/> is the setting (waits for
/// acknowledgements when on); <paramref name="MasterOn"/> whether it waits right now (off after a fallback to
/// asynchronous, until a replica catches up); <paramref name="Clients"/> the replicas connected as acknowledgers;
/// <paramref name="WaitSessions"/> the commits waiting for an acknowledgement now; <paramref name="NoTransactions"/> and
/// <paramref name="YesTransactions"/> the commits that were not and were acknowledged since the server started.
/// </summary>
public sealed record SemiSyncStatus(
    bool MasterEnabled,
    bool MasterOn,
    long Clients,
    long WaitSessions,
    long NoTransactions,
    long YesTransactions,
    bool ReplicaEnabled)
{
    /// <summary>Status and settings, one (name, value) result each; works on MariaDB and on MySQL with either plugin or none.</summary>
    public const string StatusStatement = "SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_%'";

    public const string VariablesStatement = "SHOW GLOBAL VARIABLES LIKE 'rpl\\_semi\\_sync\\_%'";

    /// <summary>
    /// Reads the two answers. MariaDB and MySQL's old plugins (semisync_master, semisync_slave; before 8.0.26, and
    /// still loadable after) say master/slave; MySQL's new plugins (semisync_source, semisync_replica; 8.0.26 on) say
    /// source/replica, whatever the server version: the names present decide. Null when neither plugin is there
    /// (MySQL without them loaded).
    /// </summary>
    public static SemiSyncStatus? From(IReadOnlyDictionary<string, string?> status, IReadOnlyDictionary<string, string?> variables)
    {
        var source = status.ContainsKey("Rpl_semi_sync_source_status") ? "source"
            : status.ContainsKey("Rpl_semi_sync_master_status") ? "master"
            : null;
        var replica = variables.ContainsKey("rpl_semi_sync_replica_enabled") ? "replica" : "slave";
        if (source is null)
            return variables.ContainsKey($"rpl_semi_sync_{replica}_enabled")
                ? new SemiSyncStatus(false, false, 0, 0, 0, 0, On(variables, $"rpl_semi_sync_{replica}_enabled"))
                : null;
        return new SemiSyncStatus(
            MasterEnabled: On(variables, $"rpl_semi_sync_{source}_enabled"),
            MasterOn: On(status, $"Rpl_semi_sync_{source}_status"),
            Clients: Number(status, $"Rpl_semi_sync_{source}_clients"),
            WaitSessions: Number(status, $"Rpl_semi_sync_{source}_wait_sessions"),
            NoTransactions: Number(status, $"Rpl_semi_sync_{source}_no_tx"),
            YesTransactions: Number(status, $"Rpl_semi_sync_{source}_yes_tx"),
            ReplicaEnabled: On(variables, $"rpl_semi_sync_{replica}_enabled"));
    }

    private static bool On(IReadOnlyDictionary<string, string?> values, string name) =>
        values.TryGetValue(name, out var text) && text is not null
        && (text.Equals("ON", StringComparison.OrdinalIgnoreCase) || text == "1");

    private static long Number(IReadOnlyDictionary<string, string?> values, string name) =>
        values.TryGetValue(name, out var text) && long.TryParse(text, out var number) ? number : 0;
}
