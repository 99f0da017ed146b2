using JasperFx;
using JasperFx.CodeGeneration;
using MySqlHa.Coordination.Election;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Runtime;
using Wolverine.Runtime.Handlers;

namespace MySqlHa.Workflows.Operations;

/// <summary>
/// How failures are handled. Transient ones (a concurrency conflict, a moment without leadership, etcd or PostgreSQL out
/// of reach) are retried for every message. A saga's step is also retried twice on any other exception (steps are
/// idempotent); once its retries are spent, it is dead-lettered and its saga told, which ends the operation.
/// </summary>
public sealed class StepFailurePolicy : IHandlerPolicy
{
    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(c => typeof(IOperationStep).IsAssignableFrom(c.MessageType)))
        {
            // A chain's own rules are matched before the global ones, so a step carries the transient rules too.
            chain.AddTransientFailureRules();
            chain.OnAnyException().RetryWithCooldown(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)).ThenEndTheOperation();
        }
    }
}

public static class FailureRules
{
    public static void AddTransientFailureRules(this IWithFailurePolicies target)
    {
        // Two writers to one saga or stream: the loser tries again on the fresh state.
        target.OnException<ConcurrencyException>().RetryTimes(3).ThenEndTheOperation();
        // A step that finds this process no longer leading waits for leadership to settle (here or elsewhere).
        target.OnException<NotLeadingException>().ScheduleRetry(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30))
            .ThenEndTheOperation();
        // etcd or PostgreSQL out of reach for a moment: try again rather than leave an operation hanging.
        target.OnException<Grpc.Core.RpcException>().Or<Npgsql.NpgsqlException>().ScheduleRetry(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30))
            .ThenEndTheOperation();
    }

    /// <summary>
    /// The message is dead-lettered (kept, for an operator to look at) and, when it is a saga's step, its saga is
    /// told, and ends the operation (aborted before promotion, needing attention after).
    /// </summary>
    internal static IAdditionalActions ThenEndTheOperation(this IAdditionalActions retries) =>
        retries.Then.MoveToErrorQueue().And(TellTheSagaAsync, "Tell the operation's saga that its step failed");

    private static async ValueTask TellTheSagaAsync(IWolverineRuntime runtime, IEnvelopeLifecycle lifecycle, Exception exception)
    {
        if (lifecycle.Envelope?.Message is not IOperationStep step) return;
        await new MessageBus(runtime).SendAsync(step.Failed($"{exception.GetType().Name}: {exception.Message}"));
    }
}
