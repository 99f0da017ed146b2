using MySqlConnector;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Tests.Sandbox;

/// <summary>
/// Holds a replica behind its primary for real: a table lock on the replica blocks its SQL thread on the next
/// replicated row, and a row is then written on the primary. <see cref="ReleaseAsync"/> (or disposal) lets it go.
/// </summary>
public sealed class HeldBackReplica : IAsyncDisposable
{
    private readonly MySqlConnection _holder;
    private bool _released;

    private HeldBackReplica(MySqlConnection holder) => _holder = holder;

    public static async Task<HeldBackReplica> HoldAsync(ServerEndpoint replica)
    {
        var holder = await SandboxReplication.OpenAsync(replica);
        await new MySqlCommand("LOCK TABLES mysqlha_test.marks WRITE", holder).ExecuteNonQueryAsync();
        await SandboxReplication.ExecuteAsync(SandboxReplication.Primary, "INSERT INTO mysqlha_test.marks VALUES ()");
        return new HeldBackReplica(holder);
    }

    public async Task ReleaseAsync()
    {
        if (_released) return;
        _released = true;
        // The replica may have been stopped meanwhile; then there is nothing left to release.
        try { await new MySqlCommand("UNLOCK TABLES", _holder).ExecuteNonQueryAsync(); }
        catch (MySqlException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _holder.DisposeAsync();
    }
}
