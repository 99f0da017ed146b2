using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Api.Webhooks;

/// <summary>A subscription as every read shows it: everything but its secret.</summary>
public sealed record WebhookSubscriptionView(
    Guid Id,
    string Url,
    IReadOnlyList<string> Events,
    Guid? ClusterId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool Paused,
    DateTimeOffset? PausedAt,
    string? PausedReason,
    int ConsecutiveFailures,
    DateTimeOffset? FailingSince)
{
    public static WebhookSubscriptionView From(WebhookSubscription subscription) =>
        new(subscription.Id, subscription.Url, subscription.Events, subscription.ClusterId, subscription.CreatedAt, subscription.UpdatedAt,
            subscription.Paused, subscription.PausedAt, subscription.PausedReason, subscription.ConsecutiveFailures, subscription.FailingSince);
}

/// <summary>The creation answer, the only one that carries the secret: keep it, it is never shown again.</summary>
public sealed record WebhookSubscriptionCreated(WebhookSubscriptionView Subscription, string Secret);

/// <summary>One delivery of one event, with its attempts so far.</summary>
public sealed record WebhookDeliveryView(
    Guid Id,
    Guid EventId,
    string EventType,
    long Sequence,
    Guid ClusterId,
    WebhookDeliveryStatus Status,
    int Attempts,
    int? LastResponseCode,
    string? LastError,
    DateTimeOffset QueuedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt)
{
    public static WebhookDeliveryView From(WebhookDelivery delivery) =>
        new(delivery.Id, delivery.EventId, delivery.EventType, delivery.Sequence, delivery.OrderingKey, delivery.Status, delivery.Attempts,
            delivery.LastResponseCode, delivery.LastError, delivery.QueuedAt, delivery.LastAttemptAt,
            delivery.Status == WebhookDeliveryStatus.Pending ? delivery.NextAttemptAt : null, delivery.DeliveredAt);
}
