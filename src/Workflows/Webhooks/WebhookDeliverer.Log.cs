using Microsoft.Extensions.Logging;

namespace MySqlHa.Workflows.Webhooks;

// Subscriptions are named by id only: their URLs are the administrator's and may carry tokens of the receiver's.
public sealed partial class WebhookDeliverer
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {Subscription}: delivery {Delivery} attempt {Attempt} failed: {Reason}")]
    private partial void LogAttemptFailed(Guid subscription, Guid delivery, int attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {Subscription} paused: {Reason}")]
    private partial void LogPaused(Guid subscription, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A webhook delivery round failed; the next round tries again")]
    private partial void LogRoundFailed(Exception failure);
}
