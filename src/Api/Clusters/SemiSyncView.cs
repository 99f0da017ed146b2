using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.SemiSync;

namespace MySqlHa.Api.Clusters;

/// <summary>
/// Semi-sync as configured (<paramref name="Enabled"/>, <paramref name="Timeout"/>, <paramref name="FallsBack"/>) and
/// as recorded since: <paramref name="FallenBack"/> while the master runs asynchronously (on
/// <paramref name="FallenBackOn"/>, <paramref name="Since"/> then); <paramref name="FallbackForced"/> when a switch gave
/// a never-falling-back cluster's master a bounded timeout; <paramref name="CommitsStalled"/> while a never-falling-back
/// master's commits wait with no replica to acknowledge them.
/// </summary>
public sealed record SemiSyncView(
    bool Enabled,
    TimeSpan Timeout,
    bool FallsBack,
    bool FallenBack,
    string? FallenBackOn,
    DateTimeOffset? Since,
    ForcedFallback? FallbackForced,
    bool CommitsStalled,
    DateTimeOffset? StalledSince)
{
    public static SemiSyncView From(SemiSyncSettings settings, SemiSyncHealth health) => new(
        settings.Enabled,
        settings.Timeout,
        settings.FallsBack,
        settings.Enabled && health.FallenBackOn is not null,
        health.FallenBackOn,
        health.FallenBackSince,
        health.Forced,
        health.StalledOn is not null,
        health.StalledSince);
}
