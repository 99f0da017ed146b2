using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MySqlHa.Proxy.Forwarding;

/// <summary>
/// The kernel's socket-to-socket redirect (eBPF sockmap): a hash of sockets keyed by the socket cookie of each one's
/// peer, and a fifteen-instruction stream-verdict program that sends every segment a paired socket receives straight to its
/// peer's send side. Bytes of a paired connection never wake the process, let alone cross into it. What the program
/// cannot place (no peer in the map yet) it passes to the socket's own receive queue, where the relay reads it.
/// Needs Linux 5.13 or later and CAP_BPF with CAP_NET_ADMIN (root); <see cref="TryCreate"/> answers why not otherwise.
/// The map and program live as long as the process and go with it.
/// </summary>
internal sealed partial class SocketRedirectMap
{
    // A pair takes two entries: room for this many open client connections.
    internal const int MaxPairs = 32 * 1024;

    private const int MapCreate = 0, MapUpdateElement = 2, ProgramLoad = 5, ProgramAttach = 8;
    private const int SocketHashMap = 18, SocketBufferProgram = 14, SocketBufferVerdict = 38;
    private const int SocketLevel = 1, SocketCookie = 57;
    private const int GetSocketCookieHelper = 46, RedirectByHashHelper = 72;
    private const long UpdateOnlyNew = 1;

    private readonly int _bpf, _map;

    private SocketRedirectMap(int bpf, int map) => (_bpf, _map) = (bpf, map);

    public static SocketRedirectMap? TryCreate(out string? whyNot)
    {
        whyNot = null;
        var bpf = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 321,
            Architecture.Arm64 => 280,
            _ => 0,
        };
        if (!OperatingSystem.IsLinux() || bpf == 0)
        {
            whyNot = "needs Linux on x64 or arm64";
            return null;
        }
        Span<byte> mapAttributes = stackalloc byte[AttributesSize];
        BinaryPrimitives.WriteInt32LittleEndian(mapAttributes, SocketHashMap);
        BinaryPrimitives.WriteInt32LittleEndian(mapAttributes[4..], sizeof(ulong));
        BinaryPrimitives.WriteInt32LittleEndian(mapAttributes[8..], sizeof(int));
        BinaryPrimitives.WriteInt32LittleEndian(mapAttributes[12..], 2 * MaxPairs);
        var map = Bpf(bpf, MapCreate, mapAttributes);
        if (map < 0)
        {
            whyNot = $"the kernel refused a socket map ({Errno()})";
            return null;
        }
        var program = LoadVerdictProgram(bpf, map, out whyNot);
        if (program < 0)
        {
            Close(map);
            return null;
        }
        Span<byte> attachAttributes = stackalloc byte[AttributesSize];
        BinaryPrimitives.WriteInt32LittleEndian(attachAttributes, map);
        BinaryPrimitives.WriteInt32LittleEndian(attachAttributes[4..], program);
        BinaryPrimitives.WriteInt32LittleEndian(attachAttributes[8..], SocketBufferVerdict);
        var attached = Bpf(bpf, ProgramAttach, attachAttributes) == 0;
        if (!attached) whyNot = $"the kernel refused to attach the verdict program ({Errno()})";
        // The map holds the program from here on.
        Close(program);
        if (attached) return new SocketRedirectMap(bpf, map);
        Close(map);
        return null;
    }

    /// <summary>
    /// Pairs two established sockets so that what either receives goes to the other. The socket that speaks first
    /// (the server's greeting) is paired last: until then its bytes stay in its own receive queue for the relay.
    /// False when the map is full; a socket already paired is never paired again.
    /// </summary>
    public bool TryPair(Socket speaksFirst, Socket other) =>
        TryAdd(key: speaksFirst, value: other) && TryAdd(key: other, value: speaksFirst);

    private bool TryAdd(Socket key, Socket value)
    {
        Span<byte> cookie = stackalloc byte[sizeof(ulong)];
        if (key.GetRawSocketOption(SocketLevel, SocketCookie, cookie) != cookie.Length) return false;
        var added = false;
        var handle = value.SafeHandle;
        handle.DangerousAddRef(ref added);
        try
        {
            var descriptor = (int)handle.DangerousGetHandle();
            Span<byte> attributes = stackalloc byte[AttributesSize];
            unsafe
            {
                fixed (byte* cookiePointer = cookie)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(attributes, _map);
                    BinaryPrimitives.WriteInt64LittleEndian(attributes[8..], (long)cookiePointer);
                    BinaryPrimitives.WriteInt64LittleEndian(attributes[16..], (long)&descriptor);
                    BinaryPrimitives.WriteInt64LittleEndian(attributes[24..], UpdateOnlyNew);
                    return Bpf(_bpf, MapUpdateElement, attributes) == 0;
                }
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>
    /// r6 = skb; if skb->len == 0 return SK_PASS; key = get_socket_cookie(skb); r0 = sk_redirect_hash(skb, map, &amp;key, 0);
    /// return r0 == SK_DROP ? SK_PASS : r0. A segment whose socket has no peer yet stays with the socket, and so does
    /// an end without data: redirected, the kernel would take its zero length for a broken pipe at the peer.
    /// </summary>
    private static int LoadVerdictProgram(int bpf, int map, out string? whyNot)
    {
        ulong[] instructions =
        [
            Instruction(0xbf, 6, 1, 0, 0),                        // r6 = r1
            Instruction(0x61, 2, 6, 0, 0),                        // r2 = *(u32 *)(r6 + 0): skb->len
            Instruction(0x15, 2, 0, 10, 0),                       // if r2 == 0 goto pass
            Instruction(0x85, 0, 0, 0, GetSocketCookieHelper),    // call get_socket_cookie
            Instruction(0x7b, 10, 0, -8, 0),                      // *(u64 *)(r10 - 8) = r0
            Instruction(0xbf, 1, 6, 0, 0),                        // r1 = r6
            Instruction(0x18, 2, 1, 0, map), 0,                   // r2 = map (two slots)
            Instruction(0xbf, 3, 10, 0, 0),                       // r3 = r10
            Instruction(0x07, 3, 0, 0, -8),                       // r3 += -8
            Instruction(0xb7, 4, 0, 0, 0),                        // r4 = 0
            Instruction(0x85, 0, 0, 0, RedirectByHashHelper),     // call sk_redirect_hash
            Instruction(0x55, 0, 0, 1, 0),                        // if r0 != SK_DROP goto exit
            Instruction(0xb7, 0, 0, 0, 1),                        // pass: r0 = SK_PASS
            Instruction(0x95, 0, 0, 0, 0),                        // exit
        ];
        var license = "Dual MIT/GPL\0"u8;
        var log = new byte[64 * 1024];
        unsafe
        {
            fixed (ulong* code = instructions)
            fixed (byte* licensePointer = license)
            fixed (byte* logPointer = log)
            {
                Span<byte> attributes = stackalloc byte[AttributesSize];
                BinaryPrimitives.WriteInt32LittleEndian(attributes, SocketBufferProgram);
                BinaryPrimitives.WriteInt32LittleEndian(attributes[4..], instructions.Length);
                BinaryPrimitives.WriteInt64LittleEndian(attributes[8..], (long)code);
                BinaryPrimitives.WriteInt64LittleEndian(attributes[16..], (long)licensePointer);
                BinaryPrimitives.WriteInt32LittleEndian(attributes[24..], 1);
                BinaryPrimitives.WriteInt32LittleEndian(attributes[28..], log.Length);
                BinaryPrimitives.WriteInt64LittleEndian(attributes[32..], (long)logPointer);
                var program = Bpf(bpf, ProgramLoad, attributes);
                whyNot = program >= 0 ? null
                    : $"the kernel refused the verdict program ({Errno()}): {System.Text.Encoding.ASCII.GetString(log).TrimEnd('\0').Trim()}";
                return program;
            }
        }
    }

    private static ulong Instruction(byte code, int destination, int source, short offset, int immediate) =>
        code | (ulong)(byte)((source << 4) | destination) << 8 | (ulong)(ushort)offset << 16 | (ulong)(uint)immediate << 32;

    // The kernel takes a shorter union bpf_attr than its own and zero-fills the rest.
    private const int AttributesSize = 128;

    private static int Bpf(int syscallNumber, int command, Span<byte> attributes)
    {
        unsafe
        {
            fixed (byte* pointer = attributes)
                return (int)Syscall(syscallNumber, command, (nint)pointer, attributes.Length);
        }
    }

    private static string Errno() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint command, nint attributes, nint size);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
