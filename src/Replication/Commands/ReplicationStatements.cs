using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Commands;

/// <summary>
/// The statements that change replication, per flavor and version. MySQL 8.0.23 introduced
/// CHANGE REPLICATION SOURCE TO and START/STOP/RESET REPLICA, and 8.4 removed the SLAVE/MASTER forms (which broke
/// MHA and replication-manager); MariaDB keeps CHANGE MASTER TO with MASTER_USE_GTID.
/// Host, user and password travel as parameters: MySqlConnector quotes them.
/// </summary>
public sealed class ReplicationStatements
{
    private readonly bool _sourceVocabulary;

    private ReplicationStatements(DatabaseFlavor flavor, Version version)
    {
        Flavor = flavor;
        _sourceVocabulary = flavor == DatabaseFlavor.MySql && version >= new Version(8, 0, 23);
    }

    public DatabaseFlavor Flavor { get; }

    public static ReplicationStatements ForServer(string serverVersion) =>
        new(DatabaseFlavorNames.FromServerVersion(serverVersion), ReplicationDialect.ParseVersion(serverVersion));

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
}
