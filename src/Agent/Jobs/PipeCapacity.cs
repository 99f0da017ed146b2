using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Larger pipes between the agent and the tools it streams through. A backup tool writes faster than the agent's
/// pumps are scheduled on a loaded machine: with Linux's default 64 KiB a pipe is full, and the tool waits, every time
/// a pump waits for a thread. 1 MiB is the most an unprivileged process may ask (fs.pipe-max-size); a refusal leaves
/// the pipe as it was, which works, only slower.
/// </summary>
internal static partial class PipeCapacity
{
    private const int Capacity = 1 << 20;

    /// <summary>F_SETPIPE_SZ, Linux's fcntl command that sets a pipe's capacity.</summary>
    private const int SetPipeSize = 1031;

    /// <summary>The buffer the pumps copy with, a pipe's worth, so that each pass moves as much as a pipe holds.</summary>
    public const int CopyBuffer = Capacity;

    public static void Enlarge(Stream stream)
    {
        if (stream is PipeStream pipe) _ = Fcntl(pipe.SafePipeHandle, SetPipeSize, Capacity);
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeHandle pipe, int command, int argument);
}
