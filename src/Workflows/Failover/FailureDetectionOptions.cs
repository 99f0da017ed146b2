namespace MySqlHa.Workflows.Failover;

public sealed class FailureDetectionOptions
{
    /// <summary>
    /// How long the controller must have failed to reach the master before the other signals are weighed. Short,
    /// because the agreement of the agent and the replicas is what guards against false positives.
    /// </summary>
    public TimeSpan ConfirmFor { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the leader weighs the signals. Finer than the monitor's interval, so that a decision follows the
    /// probe that completes it instead of waiting for a round of its own.
    /// </summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
