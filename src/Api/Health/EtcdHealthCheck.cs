using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Api.Health;

internal sealed class EtcdHealthCheck(EtcdConnection etcd) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellation)
    {
        try
        {
            var status = await etcd.Client.StatusAsync(new StatusRequest(), deadline: etcd.Deadline(), cancellationToken: cancellation);
            return HealthCheckResult.Healthy($"etcd {status.Version} at {etcd.Options.Endpoint}, revision {status.Header.Revision}");
        }
        catch (RpcException e)
        {
            return HealthCheckResult.Unhealthy($"etcd at {etcd.Options.Endpoint}: {e.Status.Detail}");
        }
    }
}
