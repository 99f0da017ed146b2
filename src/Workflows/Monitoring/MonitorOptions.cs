namespace MySqlHa.Workflows.Monitoring;

public sealed class MonitorOptions
{
    /// <summary>How often every instance is polled.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A replica further behind than this is SYNCING rather than OK.</summary>
    public TimeSpan LagThreshold { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A master configured never to fall back, with commits waiting and no replica connected to acknowledge them for
    /// this long, is recorded as stalled (an alert). Shorter than this is a replica reconnecting, which is ordinary.
    /// </summary>
    public TimeSpan SemiSyncStallAlertAfter { get; set; } = TimeSpan.FromSeconds(10);
}
