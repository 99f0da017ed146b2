using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Jobs;

/// <summary>What the job endpoints need, in one singleton; the repository is absent when Backup:Repository is not configured.</summary>
internal sealed class JobServices(AgentSettings settings, AgentJobs jobs, ServerConnections connections, IServerProbe probe, TimeProvider clock,
    IBackupRepository? repository = null)
{
    public AgentSettings Settings => settings;

    public AgentJobs Jobs => jobs;

    public ServerConnections Connections => connections;

    public IServerProbe Probe => probe;

    public TimeProvider Clock => clock;

    public IBackupRepository? Repository => repository;
}
