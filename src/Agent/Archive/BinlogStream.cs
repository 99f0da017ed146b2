using System.Diagnostics;
using System.Text;
using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// mariadb-binlog copying the master's binlogs, raw, into a staging folder, and waiting for more (--stop-never): each
/// file lands under the master's own name; the master's rotation closes one and opens the next. It runs through a
/// fixed argument template; the credentials go in a 0600 option file beside the staging folder, never on the command
/// line (where every local user could read them in the process list), and the file is removed when the process ends.
/// </summary>
internal sealed class BinlogStream : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _optionFile;
    private readonly StringBuilder _errors = new();

    private BinlogStream(Process process, string optionFile)
    {
        _process = process;
        _optionFile = optionFile;
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null) return;
            lock (_errors) _errors.AppendLine(line.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public Task Exited => _process.WaitForExitAsync();

    public string Errors
    {
        get { lock (_errors) return _errors.ToString().Trim(); }
    }

    public static BinlogStream Start(string tool, ServerEndpoint master, string user, string password, ServerTlsOptions tls,
        uint streamServerId, string stagingFolder, string optionFile, string firstFile)
    {
        Directory.CreateDirectory(stagingFolder);
        WriteOptionFile(optionFile, master, user, password, tls);
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            ArgumentList =
            {
                // --defaults-file must come first, and alone: no other option file is read, so nothing on the host changes the template.
                $"--defaults-file={optionFile}",
                "--read-from-remote-server",
                "--raw",
                "--stop-never",
                $"--stop-never-slave-server-id={streamServerId}",
                $"--result-file={stagingFolder.TrimEnd('/')}/",
                firstFile,
            },
        };
        try
        {
            return new BinlogStream(Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start"), optionFile);
        }
        catch
        {
            File.Delete(optionFile);
            throw;
        }
    }

    private static void WriteOptionFile(string path, ServerEndpoint master, string user, string password, ServerTlsOptions tls)
    {
        var text = new StringBuilder()
            .AppendLine("[client]")
            .AppendLine($"host={master.Host}")
            .AppendLine($"port={master.Port}")
            .AppendLine("protocol=tcp")
            .AppendLine($"user={Quoted(user)}")
            .AppendLine($"password={Quoted(password)}");
        if (tls.SslMode is MySqlSslMode.VerifyCA or MySqlSslMode.VerifyFull)
            text.AppendLine($"ssl-ca={Quoted(tls.CaFile)}").AppendLine("ssl-verify-server-cert");
        // The agent runs beside mariadbd, on Linux; a file mode is how the password is kept from other users.
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the binlog archive needs Unix file modes");
        // Created 0600 before anything is written: the password is never readable by others, even for a moment.
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>An option file value in double quotes, with the escapes MariaDB's option parser reads back.</summary>
    private static string Quoted(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            File.Delete(_optionFile);
        }
    }
}
