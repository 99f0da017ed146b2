using System.Runtime.InteropServices;
using System.Text;

namespace MySqlHa.Replication.Storage;

/// <summary>
/// Replaces a file so that after a crash or a power cut it holds either the old content or the new, never a torn or
/// empty one: the new content goes to a temporary file that is flushed to disk, renamed over the old one, and the
/// folder is flushed too, so that the rename itself is on disk before the caller acts on it.
/// </summary>
public static partial class DurableFile
{
    public static void Replace(string path, string content)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        FlushFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) on the folder, so that a rename in it is on disk: .NET opens no file handle on a folder, so libc does it.</summary>
    public static void FlushFolder(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        var descriptor = Open(folder, ReadOnlyDirectory);
        if (descriptor < 0) throw new IOException($"cannot open {folder} to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (Fsync(descriptor) != 0)
                throw new IOException($"cannot flush {folder}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            Close(descriptor);
        }
    }

    /// <summary>O_RDONLY | O_DIRECTORY | O_CLOEXEC on Linux.</summary>
    private const int ReadOnlyDirectory = 0x10000 | 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
