using System.Globalization;
using System.Text.RegularExpressions;

namespace MySqlHa.Replication.Backups;

/// <summary>
/// What <c>zstd -t</c> says at its default verbosity once a stream decompressed whole: <c>/*stdin*\ : 1297071368 bytes</c>
/// (zstd 1.5.4; the size is exact, never rounded, in every zstd since 1.0). The backup job takes its raw size from
/// there: the agent no longer sees the tool's stream, which goes from the tool to zstd without passing through it, and
/// the bytes the stored artifact decompresses to are the ones the tool wrote.
/// </summary>
public static partial class ZstdTestReport
{
    /// <summary>The decompressed size the report's last such line states, or null when it states none.</summary>
    public static long? DecompressedBytes(string standardError) =>
        Decompressed().Matches(standardError) is { Count: > 0 } found
            ? long.Parse(found[^1].Groups["bytes"].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"^.*: (?<bytes>\d+) bytes\s*$", RegexOptions.Multiline)]
    private static partial Regex Decompressed();
}
