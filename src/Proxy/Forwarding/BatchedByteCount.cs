using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// One direction of one connection's bytes, added to the shared counter in batches: the counter is shared by every
/// connection of a listener, and adding once per read would make every packet contend on it. A scrape lags by at
/// most <see cref="Batch"/> bytes per open connection and direction; the rest is added when the direction ends.
/// </summary>
internal struct BatchedByteCount(Counter.Child counter)
{
    private const long Batch = 256 * 1024;
    private long _uncounted;

    public void Add(long bytes)
    {
        _uncounted += bytes;
        if (_uncounted < Batch) return;
        counter.Inc(_uncounted);
        _uncounted = 0;
    }

    public void Flush()
    {
        if (_uncounted > 0) counter.Inc(_uncounted);
        _uncounted = 0;
    }
}
