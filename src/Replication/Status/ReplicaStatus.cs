using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Status;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ReplicationThreadState>))]
public enum ReplicationThreadState
{
    Stopped,
    Connecting,
    Running,
}

/// <summary>What a replica says about its replication channel (SHOW SLAVE STATUS / SHOW REPLICA STATUS).</summary>
public sealed record ReplicaStatus(
    ServerEndpoint Source,
    ReplicationThreadState IoThread,
    ReplicationThreadState SqlThread,
    long? SecondsBehindSource,
    bool UsesGtidAutoPositioning,
    string ReceivedGtidSet,
    string SourceLogFile,
    long ReadSourceLogPosition,
    string LastIoError,
    string LastSqlError)
{
    public bool IsReplicating => IoThread == ReplicationThreadState.Running && SqlThread == ReplicationThreadState.Running;
}
