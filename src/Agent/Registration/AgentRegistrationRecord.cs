namespace MySqlHa.Agent.Registration;

/// <summary>The value of {prefix}/agents/{cluster}/{instance} in etcd, as JSON.</summary>
public sealed record AgentRegistrationRecord(
    string Cluster,
    string Instance,
    string Server,
    string AgentUrl,
    string AgentVersion,
    long LeaseId,
    LocalServerHealth Health);
