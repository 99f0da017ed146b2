using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime;

namespace MySqlHa.Workflows.Operations;

/// <summary>What happens to a message that still fails once every retry of its failure rule is spent.</summary>
public static class StepFailurePolicy
{
    /// <summary>
    /// The message is dead-lettered (kept, for an operator to look at) and, when it is a saga's step, its saga is
    /// told, and ends the operation.
    /// </summary>
    public static IAdditionalActions ThenEndTheOperation(this IAdditionalActions retries) =>
        retries.Then.MoveToErrorQueue().And(TellTheSagaAsync, "Tell the operation's saga that its step failed");

    private static async ValueTask TellTheSagaAsync(IWolverineRuntime runtime, IEnvelopeLifecycle lifecycle, Exception exception)
    {
        if (lifecycle.Envelope?.Message is not IOperationStep step) return;
        await new MessageBus(runtime).SendAsync(step.Failed($"{exception.GetType().Name}: {exception.Message}"));
    }
}
