using System.Collections.Concurrent;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Failover;

public enum WriteOutcome
{
    /// <summary>The server answered OK: the row must survive.</summary>
    Acknowledged,

    /// <summary>The server refused it (read-only, say): it did not commit.</summary>
    Failed,

    /// <summary>The connection broke or timed out: it may or may not have committed.</summary>
    Unknown,
}

/// <summary>
/// One write and what became of it; <paramref name="ServerPort"/> is the server that acknowledged it, read on the same
/// connection; <paramref name="User"/> the account that wrote it.
/// </summary>
public sealed record WriteAttempt(long Id, WriteOutcome Outcome, DateTimeOffset At, string? Error, int? ServerPort = null, string? User = null);

/// <summary>An application account and the privileges it holds beyond SELECT and INSERT on the test database.</summary>
public sealed record ApplicationAccount(string User, string GlobalPrivileges)
{
    /// <summary>The plain DML user, which read_only binds.</summary>
    public static readonly ApplicationAccount Writer = new("mysqlha_test_writer", "");

    /// <summary>One account per privilege level the server offers: plain DML, SUPER, READ ONLY ADMIN (which read_only does not bind), ALL.</summary>
    public static readonly IReadOnlyList<ApplicationAccount> EveryPrivilegeLevel =
        [Writer, new("mysqlha_test_super", "SUPER"), new("mysqlha_test_ro_admin", "READ_ONLY ADMIN"), new("mysqlha_test_all", "ALL PRIVILEGES")];

    public const string Password = "writer-password";
}

/// <summary>How a writer holds its connections.</summary>
public enum ConnectionStyle
{
    /// <summary>A fresh connection per write, as a reconnecting client would.</summary>
    FreshPerWrite,

    /// <summary>Long-lived sessions from the driver's pool, reused write after write, as most applications hold them.</summary>
    LongLivedPooled,
}

/// <summary>
/// Several application writers inserting unique ids through one address (the proxy), logging every outcome, each
/// with its account and connection style (by default the plain DML user, whom read_only binds, on a fresh
/// connection per write).
/// </summary>
public sealed class WriteLoad : IAsyncDisposable
{
    public const string Table = "mysqlha_test.writes";
    private readonly ConcurrentQueue<WriteAttempt> _attempts = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _writers = [];

    public IReadOnlyList<WriteAttempt> Attempts => _attempts.OrderBy(a => a.At).ToList();

    public IReadOnlyList<long> Acknowledged => _attempts.Where(a => a.Outcome == WriteOutcome.Acknowledged).Select(a => a.Id).ToList();

    /// <summary>
    /// The table, created anew (rows of an earlier test would hide a lost write), and the application user, on the
    /// master so that every replica gets them.
    /// </summary>
    public static async Task PrepareAsync(ServerEndpoint master)
    {
        var accounts = string.Concat(ApplicationAccount.EveryPrivilegeLevel.Select(account =>
            $"CREATE USER IF NOT EXISTS '{account.User}'@'127.0.0.1' IDENTIFIED BY '{ApplicationAccount.Password}'; " +
            $"GRANT SELECT, INSERT ON mysqlha_test.* TO '{account.User}'@'127.0.0.1'; " +
            (account.GlobalPrivileges.Length == 0 ? "" : $"GRANT {account.GlobalPrivileges} ON *.* TO '{account.User}'@'127.0.0.1'; ")));
        await SandboxReplication.ExecuteAsync(master,
            $"CREATE DATABASE IF NOT EXISTS mysqlha_test; DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (id BIGINT PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)); " +
            accounts);
        await SandboxReplication.WaitForReplicasAsync(TimeSpan.FromSeconds(20));
    }

    public static WriteLoad Start(int port, int writers = 3, int pauseMilliseconds = 20) =>
        Start(port, Enumerable.Repeat(ApplicationAccount.Writer, writers).ToList(), ConnectionStyle.FreshPerWrite, pauseMilliseconds);

    /// <summary>One writer per entry of <paramref name="accounts"/>, each holding its connections in <paramref name="style"/>.</summary>
    public static WriteLoad Start(int port, IReadOnlyList<ApplicationAccount> accounts, ConnectionStyle style, int pauseMilliseconds = 20)
    {
        var load = new WriteLoad();
        for (var writer = 1; writer <= accounts.Count; writer++)
        {
            var first = writer * 1_000_000_000L;
            var account = accounts[writer - 1];
            load._writers.Add(Task.Run(() => load.WriteAsync(port, account, style, first, pauseMilliseconds)));
        }
        return load;
    }

    private async Task WriteAsync(int port, ApplicationAccount account, ConnectionStyle style, long nextId, int pauseMilliseconds)
    {
        // A pool per writer (the application name keeps writers of the same account apart), at most one session in it: that session lives until it breaks.
        var connectionString = $"Server=127.0.0.1;Port={port};User ID={account.User};Password={ApplicationAccount.Password};ConnectionTimeout=5;DefaultCommandTimeout=5;" +
            (style == ConnectionStyle.FreshPerWrite ? "Pooling=false" : $"Pooling=true;MaximumPoolSize=1;ConnectionLifeTime=0;ApplicationName=writer{nextId}");
        while (!_stop.IsCancellationRequested)
        {
            var id = nextId++;
            try
            {
                await using var connection = new MySqlConnection(connectionString);
                await connection.OpenAsync();
                // The port is read before the insert: after it, a broken connection would turn an acknowledged write into an unknown one.
                var server = Convert.ToInt32(await new MySqlCommand("SELECT @@port", connection).ExecuteScalarAsync());
                await new MySqlCommand($"INSERT INTO {Table} (id) VALUES ({id})", connection).ExecuteNonQueryAsync();
                _attempts.Enqueue(new WriteAttempt(id, WriteOutcome.Acknowledged, DateTimeOffset.UtcNow, null, server, account.User));
            }
            catch (MySqlException e) when (e.ErrorCode is MySqlErrorCode.OptionPreventsStatement or MySqlErrorCode.AccessDenied or MySqlErrorCode.UnableToConnectToHost)
            {
                _attempts.Enqueue(new WriteAttempt(id, WriteOutcome.Failed, DateTimeOffset.UtcNow, e.Message, User: account.User));
            }
            catch (Exception e)
            {
                _attempts.Enqueue(new WriteAttempt(id, WriteOutcome.Unknown, DateTimeOffset.UtcNow, e.Message, User: account.User));
            }
            await Task.Delay(pauseMilliseconds);
        }
    }

    /// <summary>The longest time without an acknowledged write, and when it began.</summary>
    public (TimeSpan Gap, DateTimeOffset From) LongestGap()
    {
        var acknowledged = Attempts.Where(a => a.Outcome == WriteOutcome.Acknowledged).Select(a => a.At).ToList();
        var longest = (TimeSpan.Zero, DateTimeOffset.MinValue);
        for (var i = 1; i < acknowledged.Count; i++)
            if (acknowledged[i] - acknowledged[i - 1] > longest.Item1) longest = (acknowledged[i] - acknowledged[i - 1], acknowledged[i - 1]);
        return longest;
    }

    /// <summary>Waits until <paramref name="count"/> more writes are acknowledged after this call.</summary>
    public async Task WaitForAcknowledgedAsync(int count, TimeSpan limit)
    {
        var target = Acknowledged.Count + count;
        var deadline = DateTime.UtcNow + limit;
        while (Acknowledged.Count < target)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {Acknowledged.Count} of {target} writes acknowledged; last: {Attempts.LastOrDefault()}");
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
