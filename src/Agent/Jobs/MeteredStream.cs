using System.Security.Cryptography;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Passes bytes through to <paramref name="inner"/> (reading or writing) while hashing them and counting them, so that
/// a backup's SHA-256 and sizes come from the very bytes that were stored or read, in the same single pass.
/// The inner stream is not disposed with it.
/// </summary>
internal sealed class MeteredStream(Stream inner, IncrementalHash? hash = null, Action<long>? counted = null) : Stream
{
    public long Bytes { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Bytes; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Seen(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Seen((await inner.ReadAsync(buffer, cancellationToken)) is var read ? buffer.Span[..read] : default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Seen(buffer.AsSpan(offset, count));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Seen(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private int Seen(ReadOnlySpan<byte> bytes)
    {
        hash?.AppendData(bytes);
        Bytes += bytes.Length;
        if (bytes.Length > 0) counted?.Invoke(bytes.Length);
        return bytes.Length;
    }
}
