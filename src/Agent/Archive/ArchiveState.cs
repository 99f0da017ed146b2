namespace MySqlHa.Agent.Archive;

/// <summary>What the archiver is doing now, for GET /archive and for prunings: a singleton the background service updates.</summary>
internal sealed class ArchiveState
{
    private readonly Lock _lock = new();
    private CancellationToken _hold = new(canceled: true);
    private volatile bool _archiving;
    private volatile string? _master;
    private volatile string? _lastError;

    public bool Archiving => _archiving;

    public string? Master => _master;

    public string? LastError => _lastError;

    /// <summary>
    /// Cancelled once this agent no longer holds the archiver key (already cancelled while it does not): whatever
    /// changes the index for the holder stops with the hold, as the archiver's own uploads do.
    /// </summary>
    public CancellationToken Hold
    {
        get
        {
            lock (_lock) return _hold;
        }
    }

    /// <summary>This agent holds the archiver key until <paramref name="hold"/> is cancelled.</summary>
    public void Holding(CancellationToken hold)
    {
        lock (_lock) _hold = hold;
        _archiving = true;
        ArchiveMetrics.Archiving.Set(1);
    }

    public void Released()
    {
        lock (_lock) _hold = new CancellationToken(canceled: true);
        _archiving = false;
        _master = null;
        ArchiveMetrics.Archiving.Set(0);
    }

    public void Following(string? master) => _master = master;

    public void Failed(string error) => _lastError = error;
}
