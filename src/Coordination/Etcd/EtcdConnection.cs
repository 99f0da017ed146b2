using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MySqlHa.Coordination.Tls;

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
        var handler = options.CaFile.Length > 0 ? CertificateAuthority.FromPemFile(options.CaFile).Handler()
            : new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        _channel = GrpcChannel.ForAddress(options.Endpoint, new GrpcChannelOptions { HttpHandler = handler });
        var invoker = _channel.CreateCallInvoker();
        if (options.Username.Length > 0) invoker = invoker.Intercept(new EtcdAuthentication(invoker, options));
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
