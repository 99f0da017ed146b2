using MySqlConnector;
using MySqlHa.Replication.Servers;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>Sessions through a proxy, to see where it sends them while the topology it follows changes asynchronously.</summary>
internal static class ProxySessions
{
    /// <summary>
    /// Rounds of six sessions through <paramref name="proxyPort"/>, collecting the server ports they land on (0 for a
    /// session that fails), until <paramref name="done"/> holds or 20 s have passed; answers the last round.
    /// </summary>
    public static async Task<SortedSet<int>> PortsUntilAsync(int proxyPort, Func<SortedSet<int>, bool> done)
    {
        var connectionString = SandboxConnections.ConnectionString(new ServerEndpoint("127.0.0.1", proxyPort), SandboxSettings.Current.Admin,
            TimeSpan.FromSeconds(2)) + ";Pooling=false";
        for (var deadline = DateTime.UtcNow.AddSeconds(20); ; await Task.Delay(200))
        {
            var round = new SortedSet<int>();
            for (var i = 0; i < 6; i++)
            {
                try
                {
                    await using var connection = new MySqlConnection(connectionString);
                    await connection.OpenAsync();
                    round.Add(Convert.ToInt32(await new MySqlCommand("SELECT @@port", connection).ExecuteScalarAsync()));
                }
                catch (Exception e) when (e is MySqlException or System.Net.Sockets.SocketException or IOException)
                {
                    round.Add(0);
                }
            }
            if (done(round) || DateTime.UtcNow > deadline) return round;
        }
    }
}
