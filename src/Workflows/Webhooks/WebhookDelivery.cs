using System.Text.Json.Serialization;

namespace MySqlHa.Workflows.Webhooks;

[JsonConverter(typeof(JsonStringEnumConverter<WebhookDeliveryStatus>))]
public enum WebhookDeliveryStatus
{
    /// <summary>Not delivered yet: waiting for its turn, its next attempt, or the subscription's resumption.</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,
}

/// <summary>
/// One event to deliver to one subscription, queued by <see cref="WebhookFanOut"/> and attempted by
/// <see cref="WebhookDeliverer"/>. <paramref name="Body"/> is fixed when queued, so every attempt sends the same bytes;
/// <paramref name="OrderingKey"/> is the event's cluster: a subscription's deliveries of one cluster go out one at a
/// time, in <paramref name="Sequence"/> order.
/// </summary>
public sealed record WebhookDelivery(
    Guid Id,
    Guid SubscriptionId,
    Guid EventId,
    string EventType,
    long Sequence,
    Guid OrderingKey,
    string Body,
    DateTimeOffset QueuedAt)
{
    public WebhookDeliveryStatus Status { get; init; } = WebhookDeliveryStatus.Pending;

    public int Attempts { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; } = QueuedAt;

    public DateTimeOffset? LastAttemptAt { get; init; }

    public int? LastResponseCode { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }
}
