using Etcdserverpb;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace MySqlHa.Coordination.Etcd;

/// <summary>
/// Signs every etcd call in as the configured user: etcd answers Authenticate with a token that each call carries as
/// its "token" header. A token etcd no longer knows (it restarted, or the token lapsed) is dropped, a unary call
/// refused for it is retried once with a new one, and the next stream a caller opens gets the new one.
/// </summary>
internal sealed class EtcdAuthentication(CallInvoker unauthenticated, EtcdOptions options) : Interceptor
{
    private readonly Lock _gate = new();
    private string? _token;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var first = continuation(request, Signed(context));
        return new AsyncUnaryCall<TResponse>(RetriedOnceAsync(first, () => continuation(request, Signed(context))), first.ResponseHeadersAsync,
            first.GetStatus, first.GetTrailers, first.Dispose);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        try
        {
            return continuation(request, Signed(context));
        }
        catch (RpcException e) when (RefusedToken(e))
        {
            return continuation(request, Signed(context));
        }
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Signed(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(Signed(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(Signed(context));

    private async Task<TResponse> RetriedOnceAsync<TResponse>(AsyncUnaryCall<TResponse> first, Func<AsyncUnaryCall<TResponse>> again)
    {
        try
        {
            return await first.ResponseAsync;
        }
        catch (RpcException e) when (RefusedToken(e))
        {
            using var retried = again();
            return await retried.ResponseAsync;
        }
    }

    /// <summary>A refusal of the token itself forgets it, so that the next call signs in again.</summary>
    private bool RefusedToken(RpcException e)
    {
        if (!e.Status.Detail.Contains("invalid auth token", StringComparison.OrdinalIgnoreCase)) return false;
        lock (_gate) _token = null;
        return true;
    }

    private ClientInterceptorContext<TRequest, TResponse> Signed<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class where TResponse : class
    {
        var headers = new Metadata();
        foreach (var header in context.Options.Headers ?? []) headers.Add(header);
        headers.Add("token", Token());
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }

    private string Token()
    {
        lock (_gate)
        {
            if (_token is not null) return _token;
            var password = File.ReadAllText(options.PasswordFile).TrimEnd('\r', '\n');
            var answer = new Auth.AuthClient(unauthenticated).Authenticate(new AuthenticateRequest { Name = options.Username, Password = password },
                deadline: DateTime.UtcNow + options.CallTimeout);
            return _token = answer.Token;
        }
    }
}
