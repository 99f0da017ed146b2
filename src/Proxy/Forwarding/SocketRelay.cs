using System.Buffers;
using System.Net.Sockets;
using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// Copies bytes both ways between a client and its server connection until both directions have ended. The hot
/// path allocates nothing: socket operations complete through ValueTasks cached per socket, and a buffer comes from
/// the shared pool only while bytes flow. An idle session waits with a zero-byte receive and holds no buffer, so a
/// thousand idle clients cost sockets, not buffers.
/// </summary>
internal static class SocketRelay
{
    // Big enough for a result set to cross in few system calls, small enough for the pool's per-thread caches.
    private const int BufferSize = 16 * 1024;

    // Continuations may run on the socket engine's own threads (Program.cs): a transfer whose reads keep completing at
    // once gives its thread back after this many, so that one big result set cannot starve the other connections.
    internal const int ReadsBeforeYield = 64;

    public static Task RunAsync(Socket client, Socket server, Counter.Child toServer, Counter.Child toClient) =>
        Task.WhenAll(PumpAsync(client, server, toServer), PumpAsync(server, client, toClient));

    /// <summary>Copies until <paramref name="from"/> ends, then passes the end on (a half-close), so the peer sees it too.</summary>
    private static async Task PumpAsync(Socket from, Socket to, Counter.Child counter)
    {
        byte[]? buffer = null;
        var bytes = new BatchedByteCount(counter);
        var fullReads = 0;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                    buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                }
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) break;
                // Awaiting the whole send before the next read is the backpressure: a slow reader slows its writer,
                // and no more than one read is ever held.
                for (var sent = 0; sent < read;) sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None);
                bytes.Add(read);
                if (read < buffer.Length)
                {
                    // The sender paused: give the buffer back until it speaks again.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
                else if (++fullReads % ReadsBeforeYield == 0)
                {
                    await Task.Yield();
                }
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A reset on either side, or the pair closed on demotion or at stop, ends both directions: closing this
            // side's peer fails the other direction's pending receive.
            to.Close();
        }
        finally
        {
            bytes.Flush();
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
