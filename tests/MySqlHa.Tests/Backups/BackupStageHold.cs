using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// Holds BACKUP STAGE START on a server until disposed: a backup of it (mariadb-backup) then waits at its first stage,
/// connected and running, so a test acts while the backup surely runs instead of racing a backup of a small server.
/// The stage is ended by the hold itself: a pooled connection would otherwise keep holding it for the next backup.
/// </summary>
public sealed class BackupStageHold : IAsyncDisposable
{
    private readonly MySqlConnection _connection;

    private BackupStageHold(MySqlConnection connection) => _connection = connection;

    public static async Task<BackupStageHold> OnAsync(ServerEndpoint server)
    {
        var connection = await SandboxReplication.OpenAsync(server);
        await new MySqlCommand("BACKUP STAGE START", connection).ExecuteNonQueryAsync();
        return new BackupStageHold(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await new MySqlCommand("BACKUP STAGE END", _connection).ExecuteNonQueryAsync();
        await _connection.DisposeAsync();
    }
}
