using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx.Events;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>
/// The JSON body of a delivery: one event of the audit record. <paramref name="Actor"/> is the user name the event was
/// recorded with (null when none was); <paramref name="ClusterId"/> is the cluster the event belongs to, whether its
/// stream is the cluster's or one of its operations'.
/// </summary>
public sealed record WebhookPayload(
    Guid EventId,
    string Type,
    Guid StreamId,
    Guid ClusterId,
    long Version,
    long Sequence,
    DateTimeOffset Time,
    string? Actor,
    object Data)
{
    /// <summary>The Api's own JSON conventions: camelCase, enums as names.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static WebhookPayload Of(IEvent @event, Guid clusterId) =>
        new(@event.Id, TypeName(@event), @event.StreamId, clusterId, @event.Version, @event.Sequence, @event.Timestamp, @event.UserName, @event.Data);

    /// <summary>The name subscriptions match: the event's record name, as the operations' view shows it.</summary>
    public static string TypeName(IEvent @event) => @event.Data.GetType().Name;

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
