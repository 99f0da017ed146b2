using MySqlConnector;

// Opens N authenticated MySQL sessions through a proxy's port and leaves them idle, then reads the proxy process's
// resident set size from /proc. Prints one line: "<VmRSS kB before> <VmRSS kB with N open> <sessions opened>
// <RssAnon kB with N open>": VmRSS counts the shared pages of mapped libraries too, RssAnon only the process's own.
// Real sessions rather than bare TCP sockets: the server would end an unanswered handshake after connect_timeout.
// Arguments: port user password-file count pid
var (port, user, passwordFile, count, pid) = (int.Parse(args[0]), args[1], args[2], int.Parse(args[3]), int.Parse(args[4]));
var connectionString = $"Server=127.0.0.1;Port={port};User ID={user};Password={File.ReadAllText(passwordFile).Trim()};" +
    "Pooling=false;Connection Timeout=10;SslMode=None";

var before = ResidentKilobytes(pid, "VmRSS");
var open = new List<MySqlConnection>(count);
try
{
    // A few at a time: the proxy and the server each accept a burst, but a thousand at once would measure the backlog.
    const int parallel = 16;
    for (var opened = 0; opened < count; opened += parallel)
    {
        var batch = Enumerable.Range(0, Math.Min(parallel, count - opened)).Select(_ => OpenAsync()).ToArray();
        open.AddRange(await Task.WhenAll(batch));
    }
    // Let the proxy settle (tiered compilation, buffers returned to pools) before reading its memory.
    await Task.Delay(TimeSpan.FromSeconds(3));
    foreach (var connection in open.Take(10))
        if (Convert.ToInt32(await new MySqlCommand("SELECT 1", connection).ExecuteScalarAsync()) != 1)
            throw new InvalidOperationException("an idle session did not answer");
    Console.WriteLine($"{before} {ResidentKilobytes(pid, "VmRSS")} {open.Count} {ResidentKilobytes(pid, "RssAnon")}");
    return 0;
}
catch (MySqlException e)
{
    await Console.Error.WriteLineAsync($"opening session {open.Count + 1} of {count} on port {port} failed: {e.Message}");
    return 1;
}
finally
{
    foreach (var connection in open) await connection.DisposeAsync();
}

async Task<MySqlConnection> OpenAsync()
{
    var connection = new MySqlConnection(connectionString);
    await connection.OpenAsync();
    return connection;
}

static long ResidentKilobytes(int pid, string field) =>
    long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":"))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
