namespace MySqlHa.Agent.Archive;

/// <summary>What the archiver is doing now, for GET /archive: a singleton the background service updates.</summary>
internal sealed class ArchiveState
{
    private volatile bool _archiving;
    private volatile string? _master;
    private volatile string? _lastError;

    public bool Archiving => _archiving;

    public string? Master => _master;

    public string? LastError => _lastError;

    public void Holding(bool archiving)
    {
        _archiving = archiving;
        if (!archiving) _master = null;
        ArchiveMetrics.Archiving.Set(archiving ? 1 : 0);
    }

    public void Following(string? master) => _master = master;

    public void Failed(string error) => _lastError = error;
}
