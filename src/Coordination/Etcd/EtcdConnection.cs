using dotnet_etcd;
using Etcdserverpb;
using Grpc.Net.Client;

namespace MySqlHa.Coordination.Etcd;

/// <summary>
/// One gRPC channel to etcd, shared by the key-value client and the raw lease client whose keep-alive stream
/// we drive ourselves (so that a lost lease is noticed and reported, not retried away silently).
/// </summary>
public sealed class EtcdConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    public EtcdConnection(EtcdOptions options)
    {
        Options = options;
        _channel = GrpcChannel.ForAddress(options.Endpoint);
        var invoker = _channel.CreateCallInvoker();
        Client = new EtcdClient(invoker);
        Invoker = invoker;
        Leases = new Lease.LeaseClient(invoker);
        Keys = new EtcdKeys(options.Prefix);
    }

    public EtcdOptions Options { get; }

    public EtcdClient Client { get; }

    public Grpc.Core.CallInvoker Invoker { get; }

    public Lease.LeaseClient Leases { get; }

    public EtcdKeys Keys { get; }

    public DateTime Deadline() => DateTime.UtcNow + Options.CallTimeout;

    public void Dispose()
    {
        Client.Dispose();
        _channel.Dispose();
    }
}
