using System.Net.Sockets;
using MySqlConnector;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Replication.Status;

/// <summary>Reads a <see cref="ServerSnapshot"/> from a live server, within a bounded time.</summary>
public interface IServerProbe
{
    Task<ProbeResult> ReadAsync(ServerEndpoint endpoint, ServerCredentials credentials, CancellationToken cancellation);
}

/// <summary>
/// Either a snapshot or the reason there is none (unreachable, refused, timed out). <paramref name="Refused"/>: the
/// server's host actively refused a connection to its port, so the host is up and nothing listens there (not a
/// timeout, which a hung server or a lost network gives too).
/// </summary>
public sealed record ProbeResult(ServerEndpoint Endpoint, ServerSnapshot? Snapshot, string? Failure, bool Refused = false)
{
    public bool Reachable => Snapshot is not null;
}

public sealed class ServerProbeOptions
{
    /// <summary>Upper bound on connecting and on the whole read; a hung server must not hold up the caller.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    public ServerTlsOptions Tls { get; set; } = new();
}

internal sealed class ServerProbe(ServerProbeOptions options, ServerConnections connections, TimeProvider clock) : IServerProbe
{
    public async Task<ProbeResult> ReadAsync(ServerEndpoint endpoint, ServerCredentials credentials, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(options.Timeout);
        try
        {
            await using var connection = new MySqlConnection(connections.For(endpoint, credentials));
            await connection.OpenAsync(deadline.Token);
            var snapshot = await ReadSnapshotAsync(connection, endpoint, deadline.Token);
            return new ProbeResult(endpoint, snapshot, null);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new ProbeResult(endpoint, null, $"no answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.UnableToConnectToHost)
        {
            return new ProbeResult(endpoint, null, e.Message, await RefusedAsync(endpoint, cancellation));
        }
        catch (Exception e) when (e is MySqlException or CredentialsUnavailableException or InvalidOperationException)
        {
            return new ProbeResult(endpoint, null, e.Message);
        }
    }

    /// <summary>
    /// Whether a bare TCP connection to the server's port is refused. Asked again rather than read from the driver's
    /// exception, which does not always keep the socket's error.
    /// </summary>
    private async Task<bool> RefusedAsync(ServerEndpoint endpoint, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(options.Timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, deadline.Token);
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionRefused;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<ServerSnapshot> ReadSnapshotAsync(MySqlConnection connection, ServerEndpoint endpoint, CancellationToken cancellation)
    {
        var version = DatabaseFlavorNames.CleanServerVersion(connection.ServerVersion);
        var dialect = ReplicationDialect.ForServer(version);

        long serverId;
        bool readOnly;
        string gtidExecuted;
        await using (var command = new MySqlCommand(dialect.GtidExecutedQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            await reader.ReadAsync(cancellation);
            serverId = Convert.ToInt64(reader.GetValue(0));
            readOnly = Convert.ToInt64(reader.GetValue(1)) != 0;
            gtidExecuted = GtidText.Normalize(reader.IsDBNull(2) ? "" : reader.GetString(2));
        }

        var binaryLog = await BinaryLogEnd.ReadAsync(connection, dialect, cancellation);
        var replication = await ReadSingleRowAsync(connection, dialect.ReplicaStatusStatement, cancellation) is { } replicaRow
            ? dialect.ReadReplicaStatus(replicaRow)
            : null;

        var counters = ServerCounters.From(await ReadNameValuePairsAsync(connection, ServerCounters.Statement, cancellation));

        var semiSync = SemiSyncStatus.From(
            await ReadNameValuePairsAsync(connection, SemiSyncStatus.StatusStatement, cancellation),
            await ReadNameValuePairsAsync(connection, SemiSyncStatus.VariablesStatement, cancellation));

        return new ServerSnapshot(endpoint, dialect.Flavor, version, serverId, readOnly, gtidExecuted,
            binaryLog, replication, counters, clock.GetUtcNow()) { SemiSync = semiSync };
    }

    /// <summary>Reads a two-column (name, value) result, as SHOW STATUS and SHOW VARIABLES give.</summary>
    internal static async Task<IReadOnlyDictionary<string, string?>> ReadNameValuePairsAsync(
        MySqlConnection connection, string statement, CancellationToken cancellation)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        await using var command = new MySqlCommand(statement, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            values[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        return values;
    }

    /// <summary>The first row of a statement's answer, by column name; null when it answers no row.</summary>
    internal static async Task<IReadOnlyDictionary<string, string?>?> ReadSingleRowAsync(
        MySqlConnection connection, string statement, CancellationToken cancellation)
    {
        await using var command = new MySqlCommand(statement, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        if (!await reader.ReadAsync(cancellation)) return null;
        var row = new Dictionary<string, string?>(reader.FieldCount, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < reader.FieldCount; i++)
            row[reader.GetName(i)] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        return row;
    }
}
