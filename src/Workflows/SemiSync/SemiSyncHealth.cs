namespace MySqlHa.Workflows.SemiSync;

/// <summary>A bounded timeout a switch gave a master of a never-falling-back cluster, and why.</summary>
public sealed record ForcedFallback(string Instance, long TimeoutMilliseconds, string Reason, DateTimeOffset Since);

/// <summary>
/// What our records say about semi-sync beyond its settings: whether the master fell back to asynchronous (and since
/// when), a fallback forced by a switch, and commits stalled on a never-falling-back master. Part of the cluster
/// record, so the monitor decides each transition once, whichever process leads and however often it restarts.
/// <paramref name="ConfiguredAtVersion"/> is the record version of the last configuration: probes begun earlier
/// describe the settings before it.
/// </summary>
public sealed record SemiSyncHealth(
    long ConfiguredAtVersion,
    string? FallenBackOn,
    DateTimeOffset? FallenBackSince,
    ForcedFallback? Forced,
    string? StalledOn,
    DateTimeOffset? StalledSince)
{
    public static readonly SemiSyncHealth Unknown = new(0, null, null, null, null, null);

    /// <summary>A new configuration starts from nothing: what it leads to is observed afresh.</summary>
    public static SemiSyncHealth Apply(SemiSyncConfigured _, long version) => Unknown with { ConfiguredAtVersion = version };

    public SemiSyncHealth Apply(SemiSyncFellBack e) => this with { FallenBackOn = e.Instance, FallenBackSince = e.ObservedAt };

    public SemiSyncHealth Apply(SemiSyncRestored _) => this with { FallenBackOn = null, FallenBackSince = null };

    public SemiSyncHealth Apply(SemiSyncFallbackForced e) =>
        this with { Forced = new ForcedFallback(e.Instance, e.TimeoutMilliseconds, e.Reason, e.ForcedAt), StalledOn = null, StalledSince = null };

    public SemiSyncHealth Apply(SemiSyncCommitsStalled e) => this with { StalledOn = e.Instance, StalledSince = e.Since };

    public SemiSyncHealth Apply(SemiSyncCommitsResumed _) => this with { StalledOn = null, StalledSince = null };
}
