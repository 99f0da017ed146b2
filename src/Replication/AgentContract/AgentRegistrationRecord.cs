namespace MySqlHa.Replication.AgentContract;

/// <summary>
/// The value of {prefix}/agents/{cluster}/{instance} in etcd, as JSON: written by the agent under its lease, read by
/// the controller to find the agent and to hear its verdict on its mysqld.
/// </summary>
public sealed record AgentRegistrationRecord(
    string Cluster,
    string Instance,
    string Server,
    string AgentUrl,
    string AgentVersion,
    long LeaseId,
    LocalServerHealth Health);
