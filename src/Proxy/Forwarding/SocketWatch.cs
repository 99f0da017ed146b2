using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>How a watched socket's receiving side ended.</summary>
internal enum SocketEnd
{
    /// <summary>The peer sent its end (FIN): what it sent before is all there is.</summary>
    Finished,

    /// <summary>The connection failed (a reset): nothing more crosses either way.</summary>
    Failed,

    /// <summary>This process closed the socket (on demotion, at stop).</summary>
    Closed,
}

/// <summary>
/// Waits, for sockets whose bytes the kernel redirects, for the two things the process still needs to know: that a
/// connect has finished and that a socket's receiving side has ended. One thread waits in an epoll set of its own,
/// where each socket is registered for just that event and errors: the kernel wakes a redirected socket's readers for
/// every segment it moves, and the runtime's socket engine, once it knows a socket, would wake as often. A socket this
/// process closes leaves the set without a word, so a sweep each second answers its waiter.
/// </summary>
internal sealed partial class SocketWatch
{
    private const int CloseOnExec = 0x80000, Add = 1, Modify = 3, AlreadyThere = 17;
    private const uint Writable = 0x4, Error = 0x8, HangUp = 0x10, PeerHalfClosed = 0x2000, OneShot = 1u << 30;
    private const int MaxEvents = 64;

    // Answered when epoll would not take the socket (its watch limit reached): no event ever has every bit set.
    private const uint Unwatchable = uint.MaxValue;
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, (Socket Socket, TaskCompletionSource<uint> Happened)> _waiting = new();
    private long _nextId;

    private SocketWatch(int epoll)
    {
        _epoll = epoll;
        new Thread(Watch) { IsBackground = true, Name = "socket watch" }.Start();
    }

    public static SocketWatch? TryCreate(out string? whyNot)
    {
        var epoll = EpollCreate(CloseOnExec);
        whyNot = epoll < 0 ? $"no epoll set ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})" : null;
        return epoll < 0 ? null : new SocketWatch(epoll);
    }

    /// <summary>
    /// A socket connected without the runtime's socket engine ever knowing it: the connect is started non-blocking and
    /// its end awaited here. Tries each address of <paramref name="target"/> in turn, each with a socket of its own (a
    /// socket whose connect failed cannot try again); throws as Socket.ConnectAsync would.
    /// </summary>
    public async Task<Socket> ConnectAsync(DnsEndPoint target, CancellationToken cancel)
    {
        SocketException? failure = null;
        foreach (var address in await Dns.GetHostAddressesAsync(target.Host, cancel))
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
            var connected = false;
            try
            {
                failure = await ConnectOnceAsync(socket, new IPEndPoint(address, target.Port), cancel);
                connected = failure is null;
            }
            finally
            {
                if (!connected) socket.Dispose();
            }
            if (connected) return socket;
        }
        throw failure ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>Null once <paramref name="socket"/> is connected, else why not; throws when cancelled.</summary>
    private async Task<SocketException?> ConnectOnceAsync(Socket socket, IPEndPoint address, CancellationToken cancel)
    {
        try
        {
            socket.Connect(address);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is not (SocketError.WouldBlock or SocketError.InProgress))
        {
            return e;
        }
        catch (SocketException)
        {
            // Under way: the kernel finishes it.
        }
        if (await WaitAsync(socket, Writable, cancel) == Unwatchable) return new SocketException((int)SocketError.NoBufferSpaceAvailable);
        var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        return error == SocketError.Success ? null : new SocketException((int)error);
    }

    public async Task<SocketEnd> WhenEndedAsync(Socket socket)
    {
        var happened = await WaitAsync(socket, PeerHalfClosed, CancellationToken.None);
        return happened == 0 ? SocketEnd.Closed : (happened & Error) != 0 || happened == Unwatchable ? SocketEnd.Failed : SocketEnd.Finished;
    }

    /// <summary>
    /// What happened to <paramref name="socket"/>, once <paramref name="interest"/> (or an error) has; 0 when it was
    /// closed here, <see cref="Unwatchable"/> when epoll would not take it.
    /// </summary>
    private async Task<uint> WaitAsync(Socket socket, uint interest, CancellationToken cancel)
    {
        var id = Interlocked.Increment(ref _nextId);
        var happened = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = (socket, happened);
        await using var cancelled = cancel.UnsafeRegister(static (state, token) =>
            ((TaskCompletionSource<uint>)state!).TrySetCanceled(token), happened);
        try
        {
            Span<byte> registration = stackalloc byte[EventSize];
            BitConverter.TryWriteBytes(registration, interest | Error | HangUp | OneShot);
            BitConverter.TryWriteBytes(registration[DataOffset..], id);
            // A socket watched once before (its connect) is still in the set, its one-shot interest spent: rearmed.
            ref var interestAndId = ref MemoryMarshal.GetReference(registration);
            if (EpollControl(_epoll, Add, socket.SafeHandle, ref interestAndId) != 0
                && (Marshal.GetLastPInvokeError() != AlreadyThere || EpollControl(_epoll, Modify, socket.SafeHandle, ref interestAndId) != 0))
                Answer(id, Unwatchable);
        }
        catch (ObjectDisposedException)
        {
            Answer(id, 0);
        }
        try
        {
            return await happened.Task;
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    private void Watch()
    {
        var events = new byte[MaxEvents * EventSize];
        var swept = Stopwatch.GetTimestamp();
        while (true)
        {
            var count = EpollWait(_epoll, ref events[0], MaxEvents, (int)SweepEvery.TotalMilliseconds);
            for (var i = 0; i < count; i++)
                Answer(BitConverter.ToInt64(events, i * EventSize + DataOffset), BitConverter.ToUInt32(events, i * EventSize));
            if (Stopwatch.GetElapsedTime(swept) < SweepEvery) continue;
            swept = Stopwatch.GetTimestamp();
            foreach (var (id, waiter) in _waiting)
                if (waiter.Socket.SafeHandle.IsClosed) Answer(id, 0);
        }
    }

    private void Answer(long id, uint happened)
    {
        if (_waiting.TryRemove(id, out var waiter)) waiter.Happened.TrySetResult(happened);
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate(int flags);

    // As in SpliceRelay: the marshaller holds a reference to the socket for the length of the call only.
    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollControl(int epoll, int operation, SafeSocketHandle socket, ref byte interest);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, ref byte events, int maxEvents, int timeoutMilliseconds);
}
