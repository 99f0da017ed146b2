namespace MySqlHa.Workflows.Monitoring;

public sealed class MonitorOptions
{
    /// <summary>How often every instance is polled.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A replica further behind than this is SYNCING rather than OK.</summary>
    public TimeSpan LagThreshold { get; set; } = TimeSpan.FromSeconds(3);
}
