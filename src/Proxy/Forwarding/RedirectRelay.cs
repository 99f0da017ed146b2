using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// The sockmap data path: the pair is handed to the kernel (<see cref="SocketRedirectMap"/>), which moves every byte,
/// and the process only waits for the ends (<see cref="SocketWatch"/>), never for bytes. What the kernel leaves
/// with a socket (what arrived before the pair was made: the server's greeting) is carried over by hand. Before an
/// end is passed on, the kernel must have written out all the socket received, so that a half-close never overtakes
/// the last bytes. Bytes are counted from the kernel's TCP figures every few seconds and when a direction ends; what
/// arrived in the last few seconds before this process closed a connection (on demotion, at stop) is not counted.
/// </summary>
internal static partial class RedirectRelay
{
    private const int TcpLevel = 6, TcpInfoOption = 11, TcpInfoSize = 232;
    private const int BytesAcknowledgedOffset = 120, BytesReceivedOffset = 128, OutputQueue = 0x5411;
    private const int LeftBytesBufferSize = 16 * 1024;

    // A long-lived session's bytes reach the counter this often (read from the kernel), not only when it ends.
    private static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(5);

    // A peer that reads nothing for this long while its bytes wait gets the end anyway: it is not reading.
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    public static Task RunAsync(SocketRedirectMap redirects, SocketWatch watch, Socket client, Socket server,
        Counter.Child toServer, Counter.Child toClient)
    {
        long clientTookBefore, serverTookBefore;
        try
        {
            // What each socket had taken before the pair (the connecting side's SYN counts as one byte acknowledged).
            (clientTookBefore, serverTookBefore) = (TakenBytes(client), TakenBytes(server));
            // The map is full: each socket may now hold a half-made pair, whose bytes stay with the socket, so the pumps carry all.
            if (!redirects.TryPair(speaksFirst: server, other: client)) return SocketRelay.RunAsync(client, server, toServer, toClient);
        }
        catch (ObjectDisposedException)
        {
            // Closed before the relay began (a demotion racing the connect): nothing to move.
            return Task.CompletedTask;
        }
        return Task.WhenAll(
            CarryAsync(client, server, serverTookBefore, toServer, watch),
            CarryAsync(server, client, clientTookBefore, toClient, watch));
    }

    /// <summary>One direction, from its first bytes to its end, passed on to <paramref name="to"/> as SocketRelay passes it.</summary>
    private static async Task CarryAsync(Socket from, Socket to, long toTookBefore, Counter.Child counter, SocketWatch watch)
    {
        var counted = 0L;
        try
        {
            CarryLeftBytes(from, to);
            var ended = watch.WhenEndedAsync(from);
            while (await Task.WhenAny(ended, Task.Delay(CountEvery)) != ended) counted = Count(counter, counted, ReceivedBytes(from));
            switch (await ended)
            {
                case SocketEnd.Finished:
                    CarryLeftBytes(from, to);
                    counted = Count(counter, counted, await HandedOverAsync(from, to, toTookBefore));
                    to.Shutdown(SocketShutdown.Send);
                    break;
                case SocketEnd.Failed:
                    counted = Count(counter, counted, ReceivedBytes(from));
                    to.Close();
                    break;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            to.Close();
        }
    }

    /// <summary>Adds to the counter what <paramref name="received"/> holds beyond what was counted; answers the new count.</summary>
    private static long Count(Counter.Child counter, long counted, long received)
    {
        if (received > counted) counter.Inc(received - counted);
        return Math.Max(counted, received);
    }

    /// <summary>Sends on what the kernel left in <paramref name="from"/>'s own receive queue, without waiting for more.</summary>
    private static void CarryLeftBytes(Socket from, Socket to)
    {
        // Neither socket ever joins the runtime's socket engine on this path: non-blocking calls answer at once.
        from.Blocking = false;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                buffer ??= ArrayPool<byte>.Shared.Rent(LeftBytesBufferSize);
                var read = from.Receive(buffer, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock) return;
                if (error != SocketError.Success) throw new SocketException((int)error);
                if (read == 0) return;
                for (var sent = 0; sent < read;)
                {
                    // The kernel's redirect writes into the same send buffer, so a poll that saw room does not promise it.
                    sent += to.Send(buffer, sent, read - sent, SocketFlags.None, out error);
                    if (error == SocketError.WouldBlock && !to.Poll(StallLimit, SelectMode.SelectWrite)) error = SocketError.TimedOut;
                    if (error is not (SocketError.Success or SocketError.WouldBlock)) throw new SocketException((int)error);
                }
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary><paramref name="from"/> has ended: waits until <paramref name="to"/> has taken every byte it received; answers how many.</summary>
    private static async ValueTask<long> HandedOverAsync(Socket from, Socket to, long toTookBefore)
    {
        // The kernel counts the end (FIN) as one byte received.
        var received = ReceivedBytes(from) - 1;
        var (taken, stalledSince) = (-1L, Stopwatch.GetTimestamp());
        while (true)
        {
            var nowTaken = TakenBytes(to) - toTookBefore;
            if (nowTaken >= received) break;
            if (nowTaken != taken) (taken, stalledSince) = (nowTaken, Stopwatch.GetTimestamp());
            else if (Stopwatch.GetElapsedTime(stalledSince) > StallLimit) break;
            await Task.Delay(1);
        }
        return received;
    }

    /// <summary>Every byte written into the socket: acknowledged by the peer or still in the send queue (SIOCOUTQ), exact whatever was resent.</summary>
    private static long TakenBytes(Socket socket)
    {
        Span<byte> info = stackalloc byte[TcpInfoSize];
        ReadTcpInfo(socket, info);
        if (OutputQueueSize(socket.SafeHandle, OutputQueue, out var queued) != 0)
            throw new SocketException(Marshal.GetLastPInvokeError());
        return BinaryPrimitives.ReadInt64LittleEndian(info[BytesAcknowledgedOffset..]) + queued;
    }

    private static long ReceivedBytes(Socket socket)
    {
        Span<byte> info = stackalloc byte[TcpInfoSize];
        ReadTcpInfo(socket, info);
        return BinaryPrimitives.ReadInt64LittleEndian(info[BytesReceivedOffset..]);
    }

    private static void ReadTcpInfo(Socket socket, Span<byte> info)
    {
        if (socket.GetRawSocketOption(TcpLevel, TcpInfoOption, info) < TcpInfoSize)
            throw new PlatformNotSupportedException("The kernel's TCP_INFO lacks byte counts (Linux 4.19 or later has them)");
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int OutputQueueSize(SafeSocketHandle socket, int request, out int queued);
}
