namespace MySqlHa.Coordination.Etcd;

public sealed class EtcdOptions
{
    /// <summary>One etcd client URL, for example http://127.0.0.1:2379.</summary>
    public string Endpoint { get; set; } = "http://127.0.0.1:2379";

    /// <summary>The root of every key MySqlHa writes; see <see cref="EtcdKeys"/>.</summary>
    public string Prefix { get; set; } = "/mysqlha";

    /// <summary>Bound on one etcd call, so that a partitioned etcd fails a call instead of hanging it.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
