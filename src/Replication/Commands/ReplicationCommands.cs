using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Replication.Commands;

internal sealed class ReplicationCommands(ServerConnections connections) : IReplicationCommands
{
    public Task<CommandOutcome> StartReplicatingFromAsync(ServerEndpoint server, ServerCredentials admin,
        ServerEndpoint source, ServerCredentials replication, CancellationToken cancellation) =>
        RunAsync(server, admin, cancellation, async (connection, statements) =>
        {
            await ExecuteAsync(connection, statements.StopReplication, cancellation);
            await using (var change = new MySqlCommand(statements.ChangeSource, connection))
            {
                change.Parameters.AddWithValue("@host", source.Host);
                change.Parameters.AddWithValue("@port", source.Port);
                change.Parameters.AddWithValue("@user", replication.User);
                change.Parameters.AddWithValue("@password", connections.PasswordOf(replication));
                await change.ExecuteNonQueryAsync(cancellation);
            }
            await ExecuteAsync(connection, statements.StartReplication, cancellation);
        });

    public Task<CommandOutcome> StopReplicationAsync(ServerEndpoint server, ServerCredentials admin, bool forgetSource, CancellationToken cancellation) =>
        RunAsync(server, admin, cancellation, async (connection, statements) =>
        {
            await ExecuteAsync(connection, statements.StopReplication, cancellation);
            if (forgetSource) await ExecuteAsync(connection, statements.ForgetSource, cancellation);
        });

    public Task<CommandOutcome> StartReplicationThreadsAsync(ServerEndpoint server, ServerCredentials admin, CancellationToken cancellation) =>
        RunAsync(server, admin, cancellation, (connection, statements) => ExecuteAsync(connection, statements.StartReplication, cancellation));

    public Task<CommandOutcome> SetReadOnlyAsync(ServerEndpoint server, ServerCredentials admin, bool readOnly, CancellationToken cancellation) =>
        RunAsync(server, admin, cancellation, (connection, statements) => ExecuteAsync(connection, statements.SetReadOnly(readOnly), cancellation));

    public async Task<(string ReceivedGtidSet, CommandOutcome Outcome)> StopReceivingAsync(ServerEndpoint server, ServerCredentials admin,
        CancellationToken cancellation)
    {
        var received = "";
        var outcome = await RunAsync(server, admin, cancellation, async (connection, dialect) =>
            received = await StopReceiverAsync(connection, dialect, cancellation) ?? "");
        return (received, outcome);
    }

    public async Task<(string ReceivedGtidSet, CommandOutcome Outcome)> PromoteAsync(ServerEndpoint server, ServerCredentials admin,
        TimeSpan relayLogTimeout, CancellationToken cancellation)
    {
        var received = "";
        var outcome = await RunAsync(server, admin, cancellation, async (connection, dialect) =>
        {
            // Read after the receiver stopped: a set read while it runs misses what arrives next, and RESET discards it.
            if (await StopReceiverAsync(connection, dialect, cancellation) is { Length: > 0 } set)
            {
                received = set;
                if (!await WaitForGtidAsync(connection, dialect, received, relayLogTimeout, cancellation))
                {
                    await ExecuteAsync(connection, dialect.StartReceiver, cancellation);
                    throw new ReplicationCommandException(server, "promotion",
                        $"the transactions it received ({received}) were not all applied within {relayLogTimeout.TotalSeconds:0.#} s; " +
                        "not promoted, its receiver started again");
                }
            }
            await ExecuteAsync(connection, dialect.StopReplication, cancellation);
            await ExecuteAsync(connection, dialect.ForgetSource, cancellation);
            await ExecuteAsync(connection, dialect.SetReadOnly(false), cancellation);
        });
        return (received, outcome);
    }

    /// <summary>Stops the receiver and reads what it received; null when the server has no replication channel.</summary>
    private static async Task<string?> StopReceiverAsync(MySqlConnection connection, ReplicationDialect dialect, CancellationToken cancellation)
    {
        if (await ServerProbe.ReadSingleRowAsync(connection, dialect.ReplicaStatusStatement, cancellation) is null) return null;
        await ExecuteAsync(connection, dialect.StopReceiver, cancellation);
        var row = await ServerProbe.ReadSingleRowAsync(connection, dialect.ReplicaStatusStatement, cancellation);
        return row is null ? null : dialect.ReadReplicaStatus(row).ReceivedGtidSet;
    }

    public Task<CommandOutcome> ConfigureSemiSyncAsync(ServerEndpoint server, ServerCredentials admin, SemiSyncSettings settings, bool asMaster,
        CancellationToken cancellation) =>
        RunAsync(server, admin, cancellation, async (connection, dialect) =>
        {
            await ExecuteAsync(connection, dialect.ConfigureSemiSync(settings, asMaster), cancellation);
            var receiving = await ServerProbe.ReadSingleRowAsync(connection, dialect.ReplicaStatusStatement, cancellation) is { } row
                && dialect.ReadReplicaStatus(row).IoThread != ReplicationThreadState.Stopped;
            if (receiving) await ExecuteAsync(connection, dialect.RestartReceiver, cancellation);
        });

    public async Task<(bool Reached, CommandOutcome Outcome)> WaitForGtidAsync(ServerEndpoint server, ServerCredentials admin,
        string gtidSet, TimeSpan timeout, CancellationToken cancellation)
    {
        var reached = false;
        var outcome = await RunAsync(server, admin, cancellation, async (connection, dialect) =>
            reached = await WaitForGtidAsync(connection, dialect, gtidSet, timeout, cancellation));
        return (reached, outcome);
    }

    private static async Task<bool> WaitForGtidAsync(MySqlConnection connection, ReplicationDialect dialect, string gtidSet, TimeSpan timeout,
        CancellationToken cancellation)
    {
        // The wait runs on the server; the command timeout must outlast it.
        await using var wait = new MySqlCommand(dialect.WaitForGtid, connection) { CommandTimeout = (int)Math.Ceiling(timeout.TotalSeconds) + 5 };
        wait.Parameters.AddWithValue("@gtid", gtidSet);
        wait.Parameters.AddWithValue("@timeout", timeout.TotalSeconds);
        return Convert.ToInt64(await wait.ExecuteScalarAsync(cancellation)) == 0;
    }

    public Task<CommandOutcome> DescribeAsync(ServerEndpoint server, ServerCredentials admin, CancellationToken cancellation) =>
        RunAsync(server, admin, cancellation, (_, _) => Task.CompletedTask);

    public async Task<IReadOnlyList<string>> WaitForOpenTransactionsAsync(ServerEndpoint server, ServerCredentials admin, TimeSpan timeout,
        CancellationToken cancellation)
    {
        var began = DateTime.UtcNow;
        var deadline = began + timeout;
        try
        {
            await using var connection = new MySqlConnection(connections.For(server, admin));
            await connection.OpenAsync(cancellation);
            while (true)
            {
                var open = new List<string>();
                await using (var list = new MySqlCommand(
                    "SELECT t.trx_mysql_thread_id, p.USER, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) FROM information_schema.INNODB_TRX t " +
                    "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id " +
                    "WHERE t.trx_mysql_thread_id <> CONNECTION_ID() AND p.COMMAND NOT IN ('Slave_SQL', 'Slave_worker')", connection))
                await using (var reader = await list.ExecuteReaderAsync(cancellation))
                {
                    while (await reader.ReadAsync(cancellation))
                        open.Add($"{reader.GetValue(0)} {reader.GetString(1)} {reader.GetValue(2)}s");
                }
                if (open.Count == 0 || DateTime.UtcNow >= deadline) return open;
                // Under steady autocommit writes a statement is in flight at most looks: a short pause finds the gap
                // between two of them (held writes wait meanwhile); a transaction still open after a second is long,
                // and looked at less often.
                await Task.Delay(DateTime.UtcNow - began < DrainLookFastFor ? 5 : 100, cancellation);
            }
        }
        catch (MySqlException e)
        {
            throw new ReplicationCommandException(server, "listing open transactions", e.Message, e);
        }
    }

    public async Task<(int Killed, CommandOutcome Outcome)> KillClientConnectionsAsync(ServerEndpoint server, ServerCredentials admin,
        IReadOnlySet<string> sparedUsers, CancellationToken cancellation)
    {
        var killed = 0;
        var outcome = await RunAsync(server, admin, cancellation, async (connection, _) =>
            killed = await EndClientSessionsAsync(connection, server, sparedUsers, cancellation));
        return (killed, outcome);
    }

    public async Task<(FreezeReport Report, CommandOutcome Outcome)> FreezeAsync(ServerEndpoint server, ServerCredentials admin,
        IReadOnlySet<string> sparedUsers, CancellationToken cancellation)
    {
        var ended = 0;
        IReadOnlyList<string> remaining = [];
        // The position is read by RunAsync after this, on the same connection: once no other session is left.
        var outcome = await RunAsync(server, admin, cancellation, async (connection, dialect) =>
        {
            await ExecuteAsync(connection, dialect.SetReadOnly(true), cancellation);
            for (var round = 0; round < FreezeRounds; round++)
            {
                ended += await EndClientSessionsAsync(connection, server, sparedUsers, cancellation);
                remaining = (await ListClientSessionsAsync(connection, sparedUsers, cancellation)).Select(s => $"{s.Id} {s.User}").ToList();
                if (remaining.Count == 0) break;
            }
        });
        return (new FreezeReport(ended, remaining), outcome);
    }

    private static readonly TimeSpan DrainLookFastFor = TimeSpan.FromSeconds(1);

    // Sessions that connect while the freeze ends the others are ended in the next round; a client that keeps
    // reconnecting past these rounds is reported, and the freeze is not proven.
    private const int FreezeRounds = 5;

    // A killed thread finishes the statement it is in (a commit included) before it leaves: the kill counts as done
    // only once the thread is gone, and a thread still there after this bound is reported as a failure.
    private static readonly TimeSpan SessionEndBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Kills every client session but ours, the spared users' and the server's own threads (replication, scheduler), and
    /// waits until each has left the process list; answers how many were ended.
    /// </summary>
    private static async Task<int> EndClientSessionsAsync(MySqlConnection connection, ServerEndpoint server, IReadOnlySet<string> sparedUsers,
        CancellationToken cancellation)
    {
        var victims = await ListClientSessionsAsync(connection, sparedUsers, cancellation);
        var killed = new List<long>();
        foreach (var (id, _) in victims)
        {
            try
            {
                await ExecuteAsync(connection, $"KILL CONNECTION {id}", cancellation);
                killed.Add(id);
            }
            catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.NoSuchThread)
            {
                // It ended by itself between the listing and the kill.
            }
        }
        var deadline = DateTime.UtcNow + SessionEndBound;
        while (killed.Count > 0)
        {
            await using var still = new MySqlCommand(
                $"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ({string.Join(",", killed)})", connection);
            if (Convert.ToInt64(await still.ExecuteScalarAsync(cancellation)) == 0) break;
            if (DateTime.UtcNow > deadline)
                throw new ReplicationCommandException(server, "KILL CONNECTION", $"sessions {string.Join(", ", killed)} were still there after {SessionEndBound.TotalSeconds:0} s");
            // Writes are held until the freeze is done: look again soon.
            await Task.Delay(5, cancellation);
        }
        return killed.Count;
    }

    private static async Task<List<(long Id, string User)>> ListClientSessionsAsync(MySqlConnection connection, IReadOnlySet<string> sparedUsers,
        CancellationToken cancellation)
    {
        var sessions = new List<(long Id, string User)>();
        await using var list = new MySqlCommand(
            "SELECT ID, USER FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() " +
            "AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker') " +
            "AND USER NOT IN ('system user', 'event_scheduler')", connection);
        await using var reader = await list.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            if (!sparedUsers.Contains(reader.GetString(1))) sessions.Add((Convert.ToInt64(reader.GetValue(0)), reader.GetString(1)));
        return sessions;
    }

    private async Task<CommandOutcome> RunAsync(ServerEndpoint server, ServerCredentials admin, CancellationToken cancellation,
        Func<MySqlConnection, ReplicationDialect, Task> change)
    {
        try
        {
            await using var connection = new MySqlConnection(connections.For(server, admin));
            await connection.OpenAsync(cancellation);
            var version = DatabaseFlavorNames.CleanServerVersion(connection.ServerVersion);
            var dialect = ReplicationDialect.ForServer(version);
            await change(connection, dialect);
            return await ReadOutcomeAsync(connection, server, dialect, cancellation);
        }
        catch (MySqlException e)
        {
            throw new ReplicationCommandException(server, "the replication change", e.Message, e);
        }
        catch (CredentialsUnavailableException e)
        {
            throw new ReplicationCommandException(server, "the replication change", e.Message, e);
        }
    }

    private static async Task<CommandOutcome> ReadOutcomeAsync(MySqlConnection connection, ServerEndpoint server,
        ReplicationDialect dialect, CancellationToken cancellation)
    {
        string gtid;
        bool readOnly;
        await using (var command = new MySqlCommand(dialect.GtidExecutedQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            await reader.ReadAsync(cancellation);
            readOnly = Convert.ToInt64(reader.GetValue(1)) != 0;
            gtid = GtidText.Normalize(reader.IsDBNull(2) ? "" : reader.GetString(2));
        }
        var end = await BinaryLogEnd.ReadAsync(connection, dialect, cancellation);
        return new CommandOutcome(server, gtid, end?.File, end?.Position, readOnly);
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
