using System.Text;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// The credentials a tool connects with, in an option file only root can read, passed as --defaults-file: a
/// password on a command line would be visible to every user of the host in /proc. The file is deleted when disposed.
/// </summary>
internal sealed class OptionFile : IDisposable
{
    private OptionFile(string path) => Path = path;

    public string Path { get; }

    public static OptionFile Write(string path, ServerEndpoint server, string user, string password, string dataDirectory)
    {
        var text = new StringBuilder()
            .Append("[client]\n")
            .Append("user=").Append(Quoted(user)).Append('\n')
            .Append("password=").Append(Quoted(password)).Append('\n')
            .Append("host=").Append(Quoted(server.Host)).Append('\n')
            .Append("port=").Append(server.Port).Append('\n')
            // mariadb-backup takes the server's options from the server groups; the datadir is the one mysqld reported.
            .Append("[mysqld]\n")
            .Append("datadir=").Append(Quoted(dataDirectory)).Append('\n')
            .ToString();
        // Created 0600 from the first byte: never readable by others, not even between creation and a chmod.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
            stream.Write(Encoding.UTF8.GetBytes(text));
        return new OptionFile(path);
    }

    /// <summary>An option file value in double quotes, with the escapes the MariaDB option parser reads.</summary>
    private static string Quoted(string value)
    {
        if (value.Contains('\n') || value.Contains('\r')) throw new JobFailedException("a credential holds a line break, which an option file cannot carry");
        return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    public void Dispose() => File.Delete(Path);
}
