using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Replication;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Replication;

[Collection(SandboxCollection.Name)]
public sealed class ServerProbeTests
{
    // Other tests rearrange replication; these read the canonical shape, so they put it back first.
    public ServerProbeTests() => SandboxReplication.Reset();

    private static IServerProbe NewProbe(TimeSpan timeout) =>
        new ServiceCollection().AddServerProbe(new SecretFiles(), o => o.Timeout = timeout).BuildServiceProvider().GetRequiredService<IServerProbe>();

    [Fact]
    public async Task Primary_snapshot_shows_a_writable_mariadb_with_a_binlog_position_and_no_replication()
    {
        var result = await NewProbe(TimeSpan.FromSeconds(3)).ReadAsync(SandboxReplication.Primary, SandboxSettings.Current.Admin, default);

        Assert.True(result.Reachable, result.Failure);
        var snapshot = result.Snapshot!;
        Assert.Equal(DatabaseFlavor.MariaDb, snapshot.Flavor);
        Assert.StartsWith("10.", snapshot.Version);
        Assert.Equal(1, snapshot.ServerId);
        Assert.False(snapshot.ReadOnly);
        Assert.Null(snapshot.Replication);
        Assert.NotNull(snapshot.BinaryLog);
        Assert.StartsWith("mariadb-bin.", snapshot.BinaryLog!.File);
        Assert.Equal(await SandboxReplication.ScalarAsync<string>(SandboxReplication.Primary, "SELECT @@gtid_current_pos"), snapshot.GtidExecuted);
    }

    [Fact]
    public async Task Replica_snapshot_names_the_primary_as_source_and_shows_the_applied_write()
    {
        var primaryPosition = await SandboxReplication.WriteAndReplicateAsync();

        var result = await NewProbe(TimeSpan.FromSeconds(3)).ReadAsync(SandboxReplication.Replicas[0], SandboxSettings.Current.Admin, default);

        var snapshot = result.Snapshot!;
        Assert.True(snapshot.ReadOnly);
        Assert.Equal(primaryPosition, snapshot.GtidExecuted);
        var replication = snapshot.Replication!;
        Assert.Equal(SandboxReplication.Primary, replication.Source);
        Assert.True(replication.IsReplicating);
        Assert.True(replication.UsesGtidAutoPositioning);
        Assert.Equal(0, replication.SecondsBehindSource);
        Assert.Equal(primaryPosition, replication.ReceivedGtidSet);
    }

    [Fact]
    public async Task Unreachable_server_is_reported_with_the_reason_not_thrown()
    {
        var nobody = new ServerEndpoint("127.0.0.1", 1);

        var result = await NewProbe(TimeSpan.FromSeconds(2)).ReadAsync(nobody, SandboxSettings.Current.Admin, default);

        Assert.False(result.Reachable);
        Assert.Contains("connect", result.Failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Wrong_password_is_reported_as_access_denied()
    {
        var wrong = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrong, "not-the-password\n");
        try
        {
            var result = await NewProbe(TimeSpan.FromSeconds(2)).ReadAsync(
                SandboxReplication.Primary, SandboxSettings.Current.Admin with { Secret = wrong }, default);

            Assert.False(result.Reachable);
            Assert.Contains("Access denied", result.Failure);
        }
        finally
        {
            File.Delete(wrong);
        }
    }
}
