using System.Text.Json.Serialization;

namespace MySqlHa.Workflows.Failover;

/// <summary>Where a failover is, or where it gave up; written in events and the saga as the names below.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FailoverStep>))]
public enum FailoverStep
{
    [JsonStringEnumMemberName("started")] Started,

    /// <summary>The candidate chosen while traffic is held, then the failed master fenced.</summary>
    [JsonStringEnumMemberName("prepare")] Prepare,

    /// <summary>The candidate applies everything it received and is promoted; the new master is published.</summary>
    [JsonStringEnumMemberName("promote")] Promote,

    /// <summary>The survivors repointed, beside the publication, as the step that promoted ends.</summary>
    [JsonStringEnumMemberName("repoint")] Repoint,
    [JsonStringEnumMemberName("record")] Record,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("aborted")] Aborted,
    [JsonStringEnumMemberName("interrupted")] Interrupted,
}
