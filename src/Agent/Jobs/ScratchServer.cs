using MySqlConnector;
using MySqlHa.Agent.Configuration;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// A mariadbd started on a prepared backup in a scratch folder, for the verification's queries only: no network
/// (--skip-networking), its socket, pid file, error log and temporary files inside the scratch folder, no grant tables
/// (no user can reach it anyway), no binary log, no replication, a small buffer pool, and --no-defaults so that no
/// option file on the host can point it at the instance's own data folder or port. It runs as a child of the agent,
/// its command line naming the scratch folder, so that a dead agent's next start finds and ends it (OrphanedTools).
/// Disposing shuts it down, and kills it if it does not stop in time.
/// </summary>
internal sealed class ScratchServer : IAsyncDisposable
{
    /// <summary>How often a starting scratch server is asked whether it answers yet.</summary>
    private static readonly TimeSpan StartPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>A clean shutdown of a server that only answered reads takes seconds; past this it is killed.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Enough for the catalog and CHECK TABLE of a verification; the host's real server keeps its memory.</summary>
    private const string BufferPool = "64M";

    /// <summary>The kernel's limit on a Unix socket path (108 bytes with its NUL) leaves this much for the path.</summary>
    private const int MaxSocketPath = 100;

    private readonly ToolProcess _process;

    private ScratchServer(ToolProcess process, string socket)
    {
        _process = process;
        ConnectionString = new MySqlConnectionStringBuilder
        {
            Server = socket, ConnectionProtocol = MySqlConnectionProtocol.UnixSocket, UserID = "root", Pooling = false,
            DefaultCommandTimeout = 0,
        }.ConnectionString;
    }

    public string ConnectionString { get; }

    /// <summary>Starts the server on <paramref name="dataDirectory"/>, a folder of <paramref name="scratch"/>, and waits until it answers.</summary>
    public static async Task<ScratchServer> StartAsync(VerificationSettings settings, TimeSpan startTimeout, string scratch, string dataDirectory,
        CancellationToken cancellation)
    {
        var socket = Path.Combine(scratch, "mysqld.sock");
        if (socket.Length > MaxSocketPath)
            throw new JobFailedException($"the scratch server's socket path {socket} is longer than a Unix socket allows; set Verification:ScratchFolder to a shorter path");
        var temporary = Path.Combine(scratch, "tmp");
        Directory.CreateDirectory(temporary);
        // The prepared files belong to the agent's user; mariadbd, started by root, drops to the verification's user.
        if (Environment.IsPrivilegedProcess)
            await ToolProcess.RunAsync(RestoreRun.Chown, ["-R", settings.User, "--", scratch], cancellation);
        var process = ToolProcess.Start(settings.Server,
        [
            "--no-defaults", $"--datadir={dataDirectory}", $"--socket={socket}", $"--pid-file={Path.Combine(scratch, "mariadbd.pid")}",
            $"--log-error={Path.Combine(scratch, "error.log")}", $"--tmpdir={temporary}", $"--user={settings.User}",
            "--skip-networking", "--skip-grant-tables", "--skip-slave-start", "--skip-log-bin", $"--innodb-buffer-pool-size={BufferPool}",
            "--performance-schema=OFF", "--event-scheduler=OFF",
        ]);
        var server = new ScratchServer(process, socket);
        try
        {
            await server.WaitUntilAnswersAsync(scratch, startTimeout, cancellation);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilAnswersAsync(string scratch, TimeSpan startTimeout, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(startTimeout);
        string? failure = null;
        try
        {
            while (true)
            {
                if (_process.HasExited)
                    throw new JobFailedException($"the scratch server exited while starting: {ErrorLog(scratch)}");
                try
                {
                    await using var connection = new MySqlConnection(ConnectionString);
                    await connection.OpenAsync(deadline.Token);
                    return;
                }
                catch (MySqlException e)
                {
                    failure = e.Message;
                }
                await Task.Delay(StartPoll, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new JobFailedException($"the scratch server did not answer within {startTimeout} (last: {failure}): {ErrorLog(scratch)}");
        }
    }

    /// <summary>The end of the server's error log: why it did not start.</summary>
    private static string ErrorLog(string scratch)
    {
        var log = Path.Combine(scratch, "error.log");
        return File.Exists(log) ? string.Join(Environment.NewLine, File.ReadLines(log).TakeLast(8)) : "it wrote no error log";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using var timeout = new CancellationTokenSource(ShutdownTimeout);
                await using (var connection = new MySqlConnection(ConnectionString))
                {
                    await connection.OpenAsync(timeout.Token);
                    await using var shutdown = new MySqlCommand("SHUTDOWN", connection);
                    await shutdown.ExecuteNonQueryAsync(timeout.Token);
                }
                await _process.WaitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is MySqlException or OperationCanceledException or InvalidOperationException)
        {
            // It would not stop, or could not be asked to: disposing the process kills it, which is all that is left.
        }
        await _process.DisposeAsync();
    }
}
