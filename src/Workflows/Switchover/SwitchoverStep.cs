using System.Text.Json.Serialization;

namespace MySqlHa.Workflows.Switchover;

/// <summary>Where a switchover is, or where it gave up; written in events and the saga as the names below.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SwitchoverStep>))]
public enum SwitchoverStep
{
    [JsonStringEnumMemberName("requested")] Requested,
    [JsonStringEnumMemberName("pre-checks")] PreChecks,

    /// <summary>The step from holding traffic to publishing the new master, where it failed without saying at which part.</summary>
    [JsonStringEnumMemberName("switch")] Switch,
    [JsonStringEnumMemberName("hold-traffic")] HoldTraffic,
    [JsonStringEnumMemberName("drain")] Drain,
    [JsonStringEnumMemberName("freeze-old-master")] FreezeOldMaster,
    [JsonStringEnumMemberName("catch-up")] CatchUp,
    [JsonStringEnumMemberName("verify-freeze")] VerifyFreeze,
    [JsonStringEnumMemberName("promote")] Promote,
    [JsonStringEnumMemberName("repoint")] Repoint,
    [JsonStringEnumMemberName("record")] Record,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("aborted")] Aborted,
    [JsonStringEnumMemberName("interrupted")] Interrupted,
}

/// <summary>When the old master was read again to prove its freeze.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FreezeProofMoment>))]
public enum FreezeProofMoment
{
    [JsonStringEnumMemberName("before-promotion")] BeforePromotion,
    [JsonStringEnumMemberName("at-repoint")] AtRepoint,
}
