namespace MySqlHa.Workflows.Operations;

/// <summary>
/// A message that runs one step of an operation's saga. When it still fails after its retries, the failure policy
/// (<see cref="StepFailurePolicy"/>, <see cref="FailureRules"/>) sends the saga what <see cref="Failed"/> makes of it, so that the operation ends
/// (aborted, or needing attention) instead of holding its cluster forever.
/// </summary>
public interface IOperationStep
{
    object Failed(string reason);
}
