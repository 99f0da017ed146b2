using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Status;

/// <summary>
/// The statements and column names that differ between MariaDB and the MySQL versions we support, for reading
/// replication state and for changing it. MySQL 8.0.22 introduced SHOW REPLICA STATUS with Source_* columns, 8.0.23
/// CHANGE REPLICATION SOURCE TO and START/STOP/RESET REPLICA, and 8.4 removed SHOW MASTER STATUS and the
/// SLAVE/MASTER statements (which broke MHA and replication-manager); MariaDB keeps the Master_* names,
/// CHANGE MASTER TO with MASTER_USE_GTID, and its own GTID format.
/// </summary>
public sealed class ReplicationDialect
{
    private readonly bool _replicaVocabulary;
    private readonly bool _sourceVocabulary;
    private readonly bool _semiSyncSourceVocabulary;
    private readonly bool _binaryLogsAndGtidsVocabulary;

    private ReplicationDialect(DatabaseFlavor flavor, Version version)
    {
        Flavor = flavor;
        _replicaVocabulary = flavor == DatabaseFlavor.MySql && version >= new Version(8, 0, 22);
        _sourceVocabulary = flavor == DatabaseFlavor.MySql && version >= new Version(8, 0, 23);
        _semiSyncSourceVocabulary = flavor == DatabaseFlavor.MySql && version >= new Version(8, 0, 26);
        _binaryLogsAndGtidsVocabulary = flavor == DatabaseFlavor.MySql && version >= new Version(8, 2);
        GtidExecutedQuery = flavor == DatabaseFlavor.MariaDb
            ? "SELECT @@server_id, @@read_only, @@gtid_current_pos"
            : "SELECT @@server_id, @@read_only OR @@super_read_only, @@gtid_executed";
        // MariaDB's SHOW MASTER STATUS and SHOW BINARY LOGS wait for the binary log's lock, which commits queued behind
        // one waiting for a semi-sync acknowledgement (after sync) hold until it is acknowledged or times out: on a
        // master with no follower to acknowledge, the monitor and every command would be blind for the whole wait.
        // The binlog position of the last commit (Binlog_snapshot_*, outside a consistent snapshot) answers at once.
        BinaryLogStatusStatement = flavor switch
        {
            DatabaseFlavor.MariaDb =>
                "SELECT MAX(IF(VARIABLE_NAME = 'BINLOG_SNAPSHOT_FILE', VARIABLE_VALUE, NULL)), " +
                "MAX(IF(VARIABLE_NAME = 'BINLOG_SNAPSHOT_POSITION', VARIABLE_VALUE, NULL)) FROM information_schema.GLOBAL_STATUS " +
                "WHERE VARIABLE_NAME IN ('BINLOG_SNAPSHOT_FILE', 'BINLOG_SNAPSHOT_POSITION')",
            _ when version >= new Version(8, 4) => "SHOW BINARY LOG STATUS",
            _ => "SHOW MASTER STATUS",
        };
        ReplicaStatusStatement = _replicaVocabulary ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
    }

    public DatabaseFlavor Flavor { get; }

    /// <summary>Returns one row: server id, read-only (as 0/1), executed GTID set.</summary>
    public string GtidExecutedQuery { get; }

    /// <summary>Where the binary log ends: at most one row whose first two columns are the file and the position (see BinaryLogEnd).</summary>
    public string BinaryLogStatusStatement { get; }

    public string ReplicaStatusStatement { get; }

    /// <summary>
    /// Semi-synchronous replication on or off for a server in the role it has: <paramref name="asMaster"/> waits for
    /// acknowledgements, a follower gives them. MariaDB has it built in; MySQL needs its plugins
    /// loaded in the server's configuration (semisync_source and semisync_replica from 8.0.26, semisync_master and
    /// semisync_slave before), and names the variables source/replica from 8.0.26.
    /// </summary>
    public string ConfigureSemiSync(Commands.SemiSyncSettings settings, bool asMaster)
    {
        var (source, replica, noReplica) = _semiSyncSourceVocabulary
            ? ("rpl_semi_sync_source", "rpl_semi_sync_replica", "wait_no_replica")
            : ("rpl_semi_sync_master", "rpl_semi_sync_slave", "wait_no_slave");
        if (!settings.Enabled) return $"SET GLOBAL {source}_enabled = OFF; SET GLOBAL {replica}_enabled = OFF";
        if (!asMaster) return $"SET GLOBAL {source}_enabled = OFF; SET GLOBAL {replica}_enabled = ON";
        // Commits already waiting keep the deadline they began with: a timeout set on a master that never fell back
        // would leave them hanging for ever. Switching semi-sync off for a moment releases them (asynchronously, as a
        // fallback would); the timeout then holds for every later commit. A master that had a timeout keeps waiting.
        var releaseNeverFallingBack = settings.FallsBack
            ? $"SET GLOBAL {source}_enabled = IF(@@GLOBAL.{source}_timeout >= {NeverFallBackMilliseconds}, 0, @@GLOBAL.{source}_enabled); "
            : "";
        return releaseNeverFallingBack +
               $"SET GLOBAL {source}_wait_point = 'AFTER_SYNC'; " +
               $"SET GLOBAL {source}_timeout = {(long)settings.Timeout.TotalMilliseconds}; " +
               $"SET GLOBAL {source}_{noReplica} = ON; " +
               $"SET GLOBAL {replica}_enabled = OFF; SET GLOBAL {source}_enabled = ON";
    }

    private static readonly long NeverFallBackMilliseconds = (long)Commands.SemiSyncSettings.NeverFallBack.TotalMilliseconds;

    /// <summary>A replica's receiver reads the semi-sync setting when it connects: restarting it applies a change.</summary>
    public string RestartReceiver => _sourceVocabulary
        ? "STOP REPLICA IO_THREAD; START REPLICA IO_THREAD"
        : "STOP SLAVE IO_THREAD; START SLAVE IO_THREAD";

    /// <summary>Points the server at a source with GTID auto-positioning; uses @host, @port, @user, @password.</summary>
    public string ChangeSource => Flavor switch
    {
        DatabaseFlavor.MariaDb =>
            "CHANGE MASTER TO MASTER_HOST=@host, MASTER_PORT=@port, MASTER_USER=@user, MASTER_PASSWORD=@password, " +
            "MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1",
        _ when _sourceVocabulary =>
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST=@host, SOURCE_PORT=@port, SOURCE_USER=@user, SOURCE_PASSWORD=@password, " +
            "SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1",
        _ =>
            "CHANGE MASTER TO MASTER_HOST=@host, MASTER_PORT=@port, MASTER_USER=@user, MASTER_PASSWORD=@password, " +
            "MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=1, GET_MASTER_PUBLIC_KEY=1",
    };

    public string StartReplication => _sourceVocabulary ? "START REPLICA" : "START SLAVE";

    /// <summary>The receiver (IO thread) alone: the applier goes on with what is in the relay log.</summary>
    public string StopReceiver => _sourceVocabulary ? "STOP REPLICA IO_THREAD" : "STOP SLAVE IO_THREAD";

    public string StartReceiver => _sourceVocabulary ? "START REPLICA IO_THREAD" : "START SLAVE IO_THREAD";

    public string StopReplication => _sourceVocabulary ? "STOP REPLICA" : "STOP SLAVE";

    /// <summary>Forgets the source entirely (coordinates, credentials, relay logs).</summary>
    public string ForgetSource => _sourceVocabulary ? "RESET REPLICA ALL" : "RESET SLAVE ALL";

    /// <summary>
    /// MySQL's read_only does not stop users with SUPER; super_read_only does, and implies read_only.
    /// Turning it off needs both, in this order.
    /// </summary>
    public string SetReadOnly(bool readOnly) => (Flavor, readOnly) switch
    {
        (DatabaseFlavor.MySql, true) => "SET GLOBAL super_read_only = ON",
        (DatabaseFlavor.MySql, false) => "SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF",
        (_, true) => "SET GLOBAL read_only = ON",
        (_, false) => "SET GLOBAL read_only = OFF",
    };

    /// <summary>
    /// Waits until the server has applied a GTID set, for at most @timeout seconds; one row, 0 when reached.
    /// MariaDB's MASTER_GTID_WAIT returns -1 on timeout; MySQL's WAIT_FOR_EXECUTED_GTID_SET returns 1.
    /// </summary>
    public string WaitForGtid => Flavor == DatabaseFlavor.MariaDb
        ? "SELECT MASTER_GTID_WAIT(@gtid, @timeout)"
        : "SELECT WAIT_FOR_EXECUTED_GTID_SET(@gtid, @timeout)";

    /// <summary>
    /// One row: the GTIDs the server's own binary logs hold, empty when they hold none. MySQL counts transactions
    /// whose logs are gone (and a restored server's, read from mysql.gtid_executed) as purged, so its logs hold the rest.
    /// </summary>
    public string LoggedGtidsQuery => Flavor == DatabaseFlavor.MariaDb
        ? "SELECT @@gtid_binlog_pos"
        : "SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, @@GLOBAL.gtid_purged)";

    /// <summary>
    /// Gives a server restored from a backup, whose binary logs hold nothing, the backup's point (@position, a GTID set
    /// on one line: <see cref="Backups.BackupPoint"/>) as the position it replicates on from. MariaDB takes it as its
    /// slave position (MASTER_USE_GTID=slave_pos). MySQL takes it as gtid_purged, which it only accepts from a server
    /// whose gtid_executed is empty: a restored server's holds whatever mysql.gtid_executed kept, often behind the
    /// backup's point, so it is reset first (RESET MASTER, RESET BINARY LOGS AND GTIDS from 8.2; 8.4 removed the
    /// former). SOURCE_AUTO_POSITION=1 then asks the source for everything after it.
    /// </summary>
    public string SetRestoredPosition => Flavor switch
    {
        DatabaseFlavor.MariaDb => "SET GLOBAL gtid_slave_pos = @position",
        _ when _binaryLogsAndGtidsVocabulary => "RESET BINARY LOGS AND GTIDS; SET GLOBAL gtid_purged = @position",
        _ => "RESET MASTER; SET GLOBAL gtid_purged = @position",
    };

    public static ReplicationDialect ForServer(string serverVersion) =>
        new(DatabaseFlavorNames.FromServerVersion(serverVersion), ParseVersion(serverVersion));

    /// <summary>Reads one row of the replica status statement, given as column name to text.</summary>
    public ReplicaStatus ReadReplicaStatus(IReadOnlyDictionary<string, string?> row)
    {
        var (source, io, sql, behind) = _replicaVocabulary
            ? ("Source", "Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source")
            : ("Master", "Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master");
        return new ReplicaStatus(
            Source: new ServerEndpoint(Text(row, $"{source}_Host"), (int)(Number(row, $"{source}_Port") ?? 0)),
            IoThread: ThreadState(Text(row, io)),
            SqlThread: ThreadState(Text(row, sql)),
            SecondsBehindSource: Number(row, behind),
            UsesGtidAutoPositioning: Flavor == DatabaseFlavor.MariaDb
                ? !string.Equals(Text(row, "Using_Gtid"), "No", StringComparison.OrdinalIgnoreCase)
                : Text(row, "Auto_Position") == "1",
            ReceivedGtidSet: GtidText.Normalize(Flavor == DatabaseFlavor.MariaDb ? Text(row, "Gtid_IO_Pos") : Text(row, "Retrieved_Gtid_Set")),
            SourceLogFile: Text(row, $"{source}_Log_File"),
            ReadSourceLogPosition: Number(row, $"Read_{source}_Log_Pos") ?? 0,
            LastIoError: Text(row, "Last_IO_Error"),
            LastSqlError: Text(row, "Last_SQL_Error"));
    }

    public static Version ParseVersion(string serverVersion)
    {
        var numeric = new string(serverVersion.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray());
        return Version.TryParse(numeric, out var version) ? version : new Version(0, 0);
    }

    private static ReplicationThreadState ThreadState(string text) => text switch
    {
        "Yes" => ReplicationThreadState.Running,
        "Connecting" => ReplicationThreadState.Connecting,
        _ => ReplicationThreadState.Stopped,
    };

    private static string Text(IReadOnlyDictionary<string, string?> row, string column) =>
        row.TryGetValue(column, out var value) ? (value ?? "").Trim() : "";

    private static long? Number(IReadOnlyDictionary<string, string?> row, string column) =>
        long.TryParse(Text(row, column), out var number) ? number : null;
}
