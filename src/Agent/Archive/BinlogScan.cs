using System.Buffers.Binary;
using System.Globalization;

namespace MySqlHa.Agent.Archive;

/// <summary>
/// Reads a MariaDB binlog file's event headers as the file grows, from where it stopped last time, and keeps what the
/// archive's index needs: the Gtid_list at its start, the last GTID of each domain, the first and last event times, and
/// the end of the last whole event (the file being written may end inside an event, which is not archived yet).
/// The binary format is read rather than mariadb-binlog's text: its headers are fixed (binlog version 4, 19 bytes),
/// it needs no time zone or locale to parse, and a growing file is read only once.
/// </summary>
internal sealed class BinlogScan
{
    private const int HeaderLength = 19;
    private const byte GtidEvent = 162;
    private const byte GtidListEvent = 163;
    private static readonly byte[] Magic = [0xfe, (byte)'b', (byte)'i', (byte)'n'];

    private readonly Dictionary<long, (long Server, long Sequence)> _last = [];

    /// <summary>The end of the last whole event read: the length of the file's prefix that can be archived.</summary>
    public long Complete { get; private set; }

    public string? StartGtids { get; private set; }

    public DateTimeOffset? FirstEventAt { get; private set; }

    public DateTimeOffset? LastEventAt { get; private set; }

    /// <summary>The last GTID of each domain met so far, as a MariaDB GTID list.</summary>
    public string LastGtids => string.Join(",", _last.OrderBy(d => d.Key)
        .Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Key}-{d.Value.Server}-{d.Value.Sequence}")));

    /// <summary>Reads the events added to <paramref name="path"/> since the last call.</summary>
    public void Advance(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (Complete == 0)
        {
            Span<byte> magic = stackalloc byte[4];
            if (stream.Length < magic.Length) return;
            stream.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic)) throw new InvalidDataException($"{path} is not a binlog file");
            Complete = magic.Length;
        }
        stream.Position = Complete;
        var header = new byte[HeaderLength];
        while (stream.Length - Complete >= HeaderLength)
        {
            stream.ReadExactly(header);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(9));
            if (size < HeaderLength) throw new InvalidDataException($"{path}: an event at {Complete} claims {size} bytes");
            if (stream.Length - Complete < size) return;
            // Only the GTID events' bodies are read: row events can be large, and a growing file is scanned often.
            if (header[4] is GtidEvent or GtidListEvent)
            {
                var body = new byte[size - HeaderLength];
                stream.ReadExactly(body);
                Read(header, body);
            }
            else
            {
                Read(header, []);
            }
            Complete += size;
            stream.Position = Complete;
        }
    }

    private void Read(byte[] header, byte[] body)
    {
        var timestamp = BinaryPrimitives.ReadUInt32LittleEndian(header);
        // Artificial events (a dump's fake rotate) carry no time.
        if (timestamp != 0)
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(timestamp);
            FirstEventAt ??= at;
            LastEventAt = at;
        }
        var server = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(5));
        switch (header[4])
        {
            case GtidEvent when body.Length >= 12:
                // seq_no (8 bytes), then domain_id (4 bytes); the server is the event's.
                var sequence = (long)BinaryPrimitives.ReadUInt64LittleEndian(body);
                var domain = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(8));
                _last[domain] = (server, sequence);
                break;
            case GtidListEvent when StartGtids is null && body.Length >= 4:
                // count (low 28 bits; the high 4 are flags), then (domain_id 4, server_id 4, seq_no 8) each.
                var count = (int)(BinaryPrimitives.ReadUInt32LittleEndian(body) & 0x0fffffff);
                var gtids = new List<string>();
                for (var i = 0; i < count && 4 + (i + 1) * 16 <= body.Length; i++)
                {
                    var entry = body.AsSpan(4 + i * 16);
                    gtids.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{BinaryPrimitives.ReadUInt32LittleEndian(entry)}-{BinaryPrimitives.ReadUInt32LittleEndian(entry[4..])}-{BinaryPrimitives.ReadUInt64LittleEndian(entry[8..])}"));
                }
                StartGtids = string.Join(",", gtids);
                break;
        }
    }
}
