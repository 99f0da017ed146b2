using System.Text.Json.Serialization;

namespace MySqlHa.Workflows.Failover;

/// <summary>Where a failover is, or where it gave up; written in events and the saga as the names below.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FailoverStep>))]
public enum FailoverStep
{
    [JsonStringEnumMemberName("started")] Started,
    [JsonStringEnumMemberName("choose-candidate")] ChooseCandidate,
    [JsonStringEnumMemberName("hold-traffic")] HoldTraffic,
    [JsonStringEnumMemberName("fence")] Fence,
    [JsonStringEnumMemberName("apply-relay-log")] ApplyRelayLog,
    [JsonStringEnumMemberName("promote")] Promote,
    [JsonStringEnumMemberName("repoint")] Repoint,
    [JsonStringEnumMemberName("record")] Record,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("aborted")] Aborted,
    [JsonStringEnumMemberName("interrupted")] Interrupted,
}
