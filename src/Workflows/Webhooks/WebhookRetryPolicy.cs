namespace MySqlHa.Workflows.Webhooks;

/// <summary>An attempt's result: the receiver's status code when it answered, the reason when it failed.</summary>
public sealed record WebhookAttempt(bool Delivered, int? ResponseCode, string? Error, DateTimeOffset At);

/// <summary>
/// What an attempt changes, decided without I/O: the delivery's state and next attempt (exponential backoff), and the
/// subscription's failure count, which pauses it when it reaches a limit.
/// </summary>
public static class WebhookRetryPolicy
{
    public static (WebhookDelivery Delivery, WebhookSubscription Subscription) Apply(WebhookDelivery delivery, WebhookSubscription subscription,
        WebhookAttempt attempt, WebhookOptions options)
    {
        var tried = delivery with { Attempts = delivery.Attempts + 1, LastAttemptAt = attempt.At, LastResponseCode = attempt.ResponseCode, LastError = attempt.Error };
        if (attempt.Delivered)
            return (tried with { Status = WebhookDeliveryStatus.Delivered, DeliveredAt = attempt.At },
                subscription with { ConsecutiveFailures = 0, FailingSince = null });

        var failing = subscription with { ConsecutiveFailures = subscription.ConsecutiveFailures + 1, FailingSince = subscription.FailingSince ?? attempt.At };
        var retried = tried with { NextAttemptAt = attempt.At + RetryDelay(tried.Attempts, options) };
        return (retried, PauseReason(failing, attempt, options) is { } reason ? failing with { PausedAt = attempt.At, PausedReason = reason } : failing);
    }

    /// <summary>FirstRetryDelay after the first failed attempt, doubled after each further one, capped at MaxRetryDelay.</summary>
    public static TimeSpan RetryDelay(int failedAttempts, WebhookOptions options)
    {
        var doublings = Math.Min(failedAttempts - 1, 30);
        var delay = options.FirstRetryDelay * Math.Pow(2, doublings);
        return delay < options.MaxRetryDelay ? delay : options.MaxRetryDelay;
    }

    private static string? PauseReason(WebhookSubscription failing, WebhookAttempt attempt, WebhookOptions options)
    {
        if (failing.ConsecutiveFailures >= options.PauseAfterFailures)
            return $"{failing.ConsecutiveFailures} delivery attempts failed in a row; the last: {attempt.Error}";
        if (attempt.At - failing.FailingSince >= options.PauseAfterFailingFor)
            return $"delivery has failed since {failing.FailingSince:O} ({failing.ConsecutiveFailures} attempts); the last: {attempt.Error}";
        return null;
    }
}
