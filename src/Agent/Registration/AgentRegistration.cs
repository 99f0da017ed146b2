using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Coordination.Leases;
using MySqlHa.Replication.Status;

namespace MySqlHa.Agent.Registration;

/// <summary>
/// Keeps this agent's key in etcd for as long as the process lives: the key hangs on a lease that is kept alive,
/// so a killed agent's key disappears within the TTL. The value is rewritten when the local mysqld's verdict
/// changes, at once when its process goes (see <see cref="UntilNextCheckAsync"/>). On a clean stop the lease is revoked and the key goes at once.
/// </summary>
internal sealed partial class AgentRegistration(
    AgentSettings settings, EtcdConnection etcd, IServerProbe probe, MysqldProcess mysqld, TimeProvider clock, ILogger<AgentRegistration> logger)
    : BackgroundService
{
    private static readonly string AgentVersion = typeof(AgentRegistration).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>How often mysqld's process is looked at between health checks (a read of /proc/{pid}/stat).</summary>
    private static readonly TimeSpan ProcessPoll = TimeSpan.FromMilliseconds(100);

    public LocalServerHealth? LastHealth { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var key = etcd.Keys.Agent(settings.Cluster, settings.Instance);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var lease = await KeptAliveLease.GrantAsync(etcd, settings.LeaseTtl, stopping);
                LogRegistered(key, lease.Id, settings.LeaseTtl.TotalSeconds);
                LocalServerHealth? published = null;
                using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Lost);
                while (!both.IsCancellationRequested)
                {
                    // A stopped mysqld is reported at once: a probe of it would only give up after its timeout.
                    var health = mysqld.StoppedPid is { } stopped ? LocalServerHealth.Stopped(stopped, clock.GetUtcNow()) : await CheckAsync(both.Token);
                    if (health.MysqldUp) await mysqld.LearnAsync(both.Token);
                    LastHealth = health;
                    Commands.AgentMetrics.MysqldUp.Set(health.MysqldUp ? 1 : 0);
                    if (!health.SameVerdictAs(published))
                    {
                        await PublishAsync(key, lease.Id, health, both.Token);
                        if (published?.MysqldUp != health.MysqldUp) LogMysqldVerdict(settings.Server.ToString(), health.MysqldUp, health.Detail);
                        published = health;
                    }
                    await UntilNextCheckAsync(health, both.Token);
                }
                if (lease.Lost.IsCancellationRequested) LogLeaseLost(key);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                LogEtcdUnavailable(e.Message);
                // Retry with a little jitter, so that agents cut off together do not return in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(500 + Random.Shared.Next(500)), clock, stopping)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<LocalServerHealth> CheckAsync(CancellationToken cancellation)
    {
        using var probing = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var reading = probe.ReadAsync(settings.Server, settings.AdminCredentials, probing.Token);
        // A mysqld stopped while it is probed holds the probe until its timeout: its process is watched meanwhile.
        while (!reading.IsCompleted)
        {
            await Task.WhenAny(reading, Task.Delay(ProcessPoll, clock, cancellation));
            if (reading.IsCompleted || mysqld.StoppedPid is not { } stopped) continue;
            await probing.CancelAsync();
            await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return LocalServerHealth.Stopped(stopped, clock.GetUtcNow());
        }
        var read = await reading;
        // The socket tables are read only when mysqld does not answer: whether its process is gone, or hung.
        return LocalServerHealth.From(read, read.Reachable || LocalListener.IsListening(settings.Server.Port), clock.GetUtcNow());
    }

    /// <summary>
    /// Waits for the next health check, and cuts the wait short when the process of a mysqld that answered ends or is
    /// stopped: the controller should hear that now (it fails over on it), not at the next check. Short too when a
    /// stopped process is continued (or ends): the controller counts a stopped process as lost, so a report of it
    /// must not outlive the stop by a health interval.
    /// </summary>
    private async Task UntilNextCheckAsync(LocalServerHealth health, CancellationToken cancellation)
    {
        var next = clock.GetUtcNow() + settings.HealthInterval;
        for (var left = settings.HealthInterval; left > TimeSpan.Zero; left = next - clock.GetUtcNow())
        {
            await Task.Delay(left < ProcessPoll ? left : ProcessPoll, clock, cancellation);
            if (health.MysqldUp && (mysqld.Ended || mysqld.StoppedPid is not null)) return;
            if (health.ProcessStopped && mysqld.StoppedPid is null) return;
        }
    }

    private async Task PublishAsync(string key, long leaseId, LocalServerHealth health, CancellationToken cancellation)
    {
        var record = new AgentRegistrationRecord(settings.Cluster, settings.Instance, settings.Server.ToString(),
            settings.AdvertisedUrl, AgentVersion, leaseId, health);
        await etcd.Client.PutAsync(new PutRequest
        {
            Key = ByteString.CopyFromUtf8(key),
            Value = ByteString.CopyFromUtf8(JsonSerializer.Serialize(record, JsonSerializerOptions.Web)),
            Lease = leaseId,
        }, deadline: etcd.Deadline(), cancellationToken: cancellation);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered at {Key} on lease {LeaseId} (TTL {TtlSeconds} s)")]
    private partial void LogRegistered(string key, long leaseId, double ttlSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "mysqld at {Server} up: {Up} ({Detail})")]
    private partial void LogMysqldVerdict(string server, bool up, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease behind {Key} was lost; registering again")]
    private partial void LogLeaseLost(string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd is unavailable ({Reason}); retrying")]
    private partial void LogEtcdUnavailable(string reason);
}
