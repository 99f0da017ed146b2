using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlHa.Coordination.Election;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Monitoring;

namespace MySqlHa.Workflows.Failover;

/// <summary>
/// While this controller leads, every check interval (or at once, when asked): judge every master, keep fenced
/// servers read-only, and check that one server at most is writable.
/// A deposed leader stops at once: its term's token cancels whatever round is under way.
/// </summary>
public sealed partial class FailureWatch(
    IDocumentStore store,
    LeaderElection election,
    MasterFailureDetector detector,
    FencedInstanceGuard guard,
    WritableInvariantWatch invariant,
    FailureDetectionOptions options,
    ILogger<FailureWatch> logger) : BackgroundService
{
    private readonly SemaphoreSlim _checkNow = new(0, 1);

    /// <summary>Runs the next round now rather than at the end of the check interval (a master became suspect).</summary>
    public void CheckNow()
    {
        try
        {
            _checkNow.Release();
        }
        catch (SemaphoreFullException)
        {
            // A round is asked for already.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await _checkNow.WaitAsync(options.CheckInterval, stopping);
                if (election.CurrentTerm is not { Holds: true } term) continue;
                try
                {
                    await RoundAsync(term.Ended);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRoundFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RoundAsync(CancellationToken cancellation)
    {
        IReadOnlyList<Cluster> clusters;
        await using (var session = store.QuerySession())
            clusters = await session.Query<Cluster>().ToListAsync(cancellation);
        foreach (var cluster in clusters)
        {
            await detector.CheckAsync(cluster, cancellation);
            await guard.EnforceAsync(cluster, cancellation);
            await invariant.CheckAsync(cluster, cancellation);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A failure-watch round failed")]
    private partial void LogRoundFailed(Exception exception);
}
