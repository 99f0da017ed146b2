namespace MySqlHa.Workflows.Webhooks;

/// <summary>How deliveries are attempted, retried, and when a failing subscription is paused (MySqlHa:Webhooks).</summary>
public sealed class WebhookOptions
{
    /// <summary>How often the leader looks for deliveries that are due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Bound on one POST, connection included.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after a first failed attempt; each further failure doubles it.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The doubling stops here.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A subscription is paused after this many failed attempts in a row ...</summary>
    public int PauseAfterFailures { get; set; } = 10;

    /// <summary>... or once it has been failing (no attempt delivered) for this long, whichever comes first.</summary>
    public TimeSpan PauseAfterFailingFor { get; set; } = TimeSpan.FromHours(1);
}
