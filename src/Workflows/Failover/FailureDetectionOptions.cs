namespace MySqlHa.Workflows.Failover;

public sealed class FailureDetectionOptions
{
    /// <summary>
    /// How long the controller must have failed to reach the master before the other signals are weighed. Short,
    /// because the agreement of the agent and the replicas is what guards against false positives.
    /// </summary>
    public TimeSpan ConfirmFor { get; set; } = TimeSpan.FromSeconds(1);
}
