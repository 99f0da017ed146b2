namespace MySqlHa.Coordination.Etcd;

public sealed class EtcdOptions
{
    /// <summary>One etcd client URL, for example http://127.0.0.1:2379.</summary>
    public string Endpoint { get; set; } = "http://127.0.0.1:2379";

    /// <summary>The root of every key MySqlHa writes; see <see cref="EtcdKeys"/>.</summary>
    public string Prefix { get; set; } = "/mysqlha";

    /// <summary>Bound on one etcd call, so that a partitioned etcd fails a call instead of hanging it.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// For an https endpoint: the CA (PEM) that signed etcd's certificate, trusted for this connection only. Empty:
    /// the system's trust store. The certificate must name the endpoint's host either way.
    /// </summary>
    public string CaFile { get; set; } = "";

    /// <summary>An etcd user (with etcd's authentication on); empty: none.</summary>
    public string Username { get; set; } = "";

    /// <summary>The file holding <see cref="Username"/>'s password.</summary>
    public string PasswordFile { get; set; } = "";

    /// <summary>What is wrong with these settings, or null.</summary>
    public string? Problem()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return $"Endpoint '{Endpoint}' is not an http(s) URL";
        if (CaFile.Length > 0 && uri.Scheme != "https") return "CaFile is set but the endpoint is not https";
        if (CaFile.Length > 0 && !File.Exists(CaFile)) return $"CaFile '{CaFile}' does not exist";
        if (Username.Length > 0 && !File.Exists(PasswordFile)) return $"PasswordFile '{PasswordFile}' (the password of {Username}) does not exist";
        if (Username.Length == 0 && PasswordFile.Length > 0) return "PasswordFile is set without a Username";
        return null;
    }
}
