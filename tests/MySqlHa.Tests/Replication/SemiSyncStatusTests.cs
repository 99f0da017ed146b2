using MySqlHa.Replication.Status;

namespace MySqlHa.Tests.Replication;

/// <summary>Semi-sync status read from recorded server output (MySQL: no server package on our machines; MariaDB: recorded from the sandbox).</summary>
public sealed class SemiSyncStatusTests
{
    /// <summary>Two batch-mode answers, each starting at its "Variable_name Value" header: status first, then variables.</summary>
    private static SemiSyncStatus? Read(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Replication", "Recorded", file);
        var answers = new List<Dictionary<string, string?>>();
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var (name, value) = (line[..line.IndexOf('\t')], line[(line.IndexOf('\t') + 1)..]);
            if (name == "Variable_name") answers.Add(new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase));
            else answers[^1][name] = value;
        }
        Assert.Equal(2, answers.Count);
        return SemiSyncStatus.From(answers[0], answers[1]);
    }

    [Fact]
    public void MariaDb_master_that_fell_back_is_enabled_but_off_with_its_unacknowledged_commits_counted()
    {
        var status = Read("mariadb-10.11-semi-sync-fallen-back.txt");

        Assert.Equal(new SemiSyncStatus(MasterEnabled: true, MasterOn: false, Clients: 0, WaitSessions: 0, NoTransactions: 5, YesTransactions: 0,
            ReplicaEnabled: false), status);
    }

    [Fact]
    public void MySql_with_the_source_plugin_is_read_under_the_source_names()
    {
        var status = Read("mysql-8.0-semi-sync-source-plugin.txt");

        Assert.Equal(new SemiSyncStatus(true, true, Clients: 2, WaitSessions: 1, NoTransactions: 7, YesTransactions: 420, ReplicaEnabled: false), status);
    }

    [Fact]
    public void MySql_with_the_old_master_plugin_is_read_under_the_master_names_whatever_the_version()
    {
        var status = Read("mysql-8.0-semi-sync-master-plugin.txt");

        Assert.Equal(new SemiSyncStatus(true, false, Clients: 0, WaitSessions: 0, NoTransactions: 12, YesTransactions: 95, ReplicaEnabled: false), status);
    }

    [Fact]
    public void MySql_replica_with_only_the_replica_plugin_acknowledges_and_never_waits()
    {
        var status = Read("mysql-8.4-semi-sync-replica-plugin.txt");

        Assert.Equal(new SemiSyncStatus(false, false, 0, 0, 0, 0, ReplicaEnabled: true), status);
    }

    [Fact]
    public void MySql_without_a_semi_sync_plugin_has_no_semi_sync_status()
    {
        Assert.Null(Read("mysql-8.4-no-semi-sync-plugin.txt"));
    }
}
