namespace MySqlHa.Replication.Commands;

/// <summary>
/// Semi-synchronous replication for a whole cluster: with it on, the master commits a transaction only once a
/// replica has acknowledged receiving it (wait point AFTER_SYNC: before the commit is visible to anyone, so a
/// transaction no client saw cannot be lost to a failover that only the old master knew). The master waits, the
/// others acknowledge: a replica must not wait as a master too, or with log_slave_updates its applier would wait
/// for acknowledgements of what it replays. A switch moves the roles. After <paramref name="Timeout"/>
/// without an acknowledgement the master falls back to asynchronous replication, unless it is <see cref="NeverFallBack"/>.
/// </summary>
public sealed record SemiSyncSettings(bool Enabled, TimeSpan Timeout)
{
    /// <summary>About 49 days: in practice, a master that waits for an acknowledgement rather than go asynchronous.</summary>
    public static readonly TimeSpan NeverFallBack = TimeSpan.FromMilliseconds(uint.MaxValue);

    public static readonly SemiSyncSettings Off = new(false, TimeSpan.FromSeconds(10));

    public bool FallsBack => Timeout < NeverFallBack;
}
