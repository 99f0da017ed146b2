using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Prometheus;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// The Linux data path: bytes move from one socket into a pipe and from the pipe into the other socket with
/// splice(2), inside the kernel, never copied into the process. Waiting stays with the runtime's socket engine: a
/// zero-byte receive says when the source is readable. When the destination is full, what the pipe holds goes out
/// by an ordinary asynchronous send, which waits for the slow reader: that is the backpressure, and the pipe never
/// holds more than one read. Half-close, reset and close-on-demotion behave as in <see cref="SocketRelay"/>.
/// </summary>
internal static partial class SpliceRelay
{
    private const uint SpliceMove = 1, SpliceNonBlock = 2;
    private const int NonBlocking = 0x800, CloseOnExec = 0x80000, GetFlags = 3, SetFlags = 4;
    private const int WouldBlock = 11, Interrupted = 4, ConnectionReset = 104, BrokenPipe = 32;

    // A pipe's default capacity: one read moves at most this much.
    private const int ChunkSize = 64 * 1024;

    /// <summary>Moves bytes both ways until both directions have ended; false when no pipe could be made (too many open files), and nothing was moved.</summary>
    public static async Task<bool> TryRunAsync(Socket client, Socket server, Counter.Child toServer, Counter.Child toClient)
    {
        if (!Pipe.TryCreate(out var toServerPipe)) return false;
        if (!Pipe.TryCreate(out var toClientPipe))
        {
            toServerPipe.Dispose();
            return false;
        }
        try
        {
            MakeNonBlocking(client.SafeHandle);
            MakeNonBlocking(server.SafeHandle);
            await Task.WhenAll(
                PumpAsync(client, server, toServerPipe, toServer),
                PumpAsync(server, client, toClientPipe, toClient));
        }
        catch (ObjectDisposedException)
        {
            // Closed before the relay began (a demotion racing the connect): nothing to move.
        }
        finally
        {
            toServerPipe.Dispose();
            toClientPipe.Dispose();
        }
        return true;
    }

    private static async Task PumpAsync(Socket from, Socket to, Pipe pipe, Counter.Child counter)
    {
        var bytes = new BatchedByteCount(counter);
        var fullReads = 0;
        try
        {
            var (fromHandle, toHandle) = (from.SafeHandle, to.SafeHandle);
            while (true)
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                var moved = (long)SpliceFromSocket(fromHandle, 0, pipe.WriteEnd, 0, ChunkSize, SpliceMove | SpliceNonBlock);
                if (moved == 0) break;
                if (moved < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error is WouldBlock or Interrupted) continue;
                    throw Failure(error);
                }
                for (var inPipe = moved; inPipe > 0;)
                {
                    var written = (long)SpliceToSocket(pipe.ReadEnd, 0, toHandle, 0, (nuint)inPipe, SpliceMove | SpliceNonBlock);
                    if (written > 0)
                    {
                        inPipe -= written;
                        continue;
                    }
                    var error = Marshal.GetLastPInvokeError();
                    if (error == Interrupted) continue;
                    if (error != WouldBlock) throw Failure(error);
                    inPipe -= await SendFromPipeAsync(pipe, to, (int)inPipe);
                }
                bytes.Add(moved);
                // As in SocketRelay: a long transfer gives the socket engine's thread back now and then.
                if (moved == ChunkSize && ++fullReads % SocketRelay.ReadsBeforeYield == 0) await Task.Yield();
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // As in SocketRelay: a reset or a close on either side ends both directions.
            to.Close();
        }
        finally
        {
            bytes.Flush();
        }
    }

    /// <summary>The destination is full: takes what the pipe holds into a pooled buffer and sends it asynchronously, which waits for the reader.</summary>
    private static async Task<int> SendFromPipeAsync(Pipe pipe, Socket to, int count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            var taken = 0;
            while (taken < count)
            {
                var read = (int)Read(pipe.ReadEnd, ref buffer[taken], (nuint)(count - taken));
                if (read > 0) taken += read;
                else if (read == 0 || Marshal.GetLastPInvokeError() != Interrupted) throw Failure(read == 0 ? 0 : Marshal.GetLastPInvokeError());
            }
            for (var sent = 0; sent < taken;) sent += await to.SendAsync(buffer.AsMemory(sent, taken - sent), SocketFlags.None);
            return taken;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SocketException Failure(int errno) => new((int)(errno switch
    {
        ConnectionReset => SocketError.ConnectionReset,
        BrokenPipe => SocketError.Shutdown,
        _ => SocketError.SocketError,
    }));

    private static void MakeNonBlocking(SafeSocketHandle socket)
    {
        var flags = Fcntl(socket, GetFlags, 0);
        if (flags >= 0 && (flags & NonBlocking) == 0) Fcntl(socket, SetFlags, flags | NonBlocking);
    }

    /// <summary>One pipe, both ends non-blocking; closed once, when the relay ends.</summary>
    private sealed class Pipe : IDisposable
    {
        private Pipe(int readEnd, int writeEnd) => (ReadEnd, WriteEnd) = (readEnd, writeEnd);

        public int ReadEnd { get; }

        public int WriteEnd { get; }

        public static bool TryCreate([NotNullWhen(true)] out Pipe? pipe)
        {
            var ends = new PipeEnds();
            pipe = Pipe2(ref ends, NonBlocking | CloseOnExec) == 0 ? new Pipe(ends.Read, ends.Write) : null;
            return pipe is not null;
        }

        public void Dispose()
        {
            Close(ReadEnd);
            Close(WriteEnd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PipeEnds
    {
        public int Read;
        public int Write;
    }

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(ref PipeEnds ends, int flags);

    // Sockets are passed as their SafeHandle: the marshaller holds a reference for the length of the call only, so the
    // descriptor cannot be closed and handed to another connection mid-call, while closing the Socket (on demotion,
    // at stop) is never kept waiting on a long-lived reference.
    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static partial nint SpliceFromSocket(SafeSocketHandle socket, nint offIn, int pipe, nint offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static partial nint SpliceToSocket(int pipe, nint offIn, SafeSocketHandle socket, nint offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeSocketHandle socket, int command, int argument);
}
