using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Moves one tool's output into another's input inside the kernel (splice(2) from pipe to pipe) and counts the bytes:
/// the stream's exact size, which the manifest records, without copying a byte through the agent. A dedicated thread
/// blocks in the call; the relay ends when the writer closes its end (end of stream) and fails when the reader is gone, which is
/// how a caller stops it.
/// </summary>
internal static partial class PipeSplice
{
    /// <summary>SPLICE_F_MOVE | SPLICE_F_MORE: move pages rather than copy them, and more data follows.</summary>
    private const uint MoveMore = 1 | 4;

    private const int Interrupted = 4;

    public static Task<long> RelayAsync(Stream from, Stream to) =>
        Task.Factory.StartNew(() => Relay((PipeStream)from, (PipeStream)to), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    private static long Relay(PipeStream from, PipeStream to)
    {
        long moved = 0;
        while (true)
        {
            var spliced = Splice(from.SafePipeHandle, 0, to.SafePipeHandle, 0, PipeCapacity.CopyBuffer, MoveMore);
            if (spliced == 0) return moved;
            if (spliced > 0)
            {
                moved += spliced;
                continue;
            }
            var error = Marshal.GetLastPInvokeError();
            if (error != Interrupted)
                throw new JobFailedException($"the stream from the tool to the compressor broke after {moved} bytes: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static partial nint Splice(SafeHandle input, nint inputOffset, SafeHandle output, nint outputOffset, nuint length, uint flags);
}
