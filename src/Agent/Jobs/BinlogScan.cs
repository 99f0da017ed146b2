using System.Globalization;
using System.Text.RegularExpressions;

namespace MySqlHa.Agent.Jobs;

/// <summary>One transaction of a binary log: its GTID, when it was written, and the kinds of event it holds.</summary>
internal sealed record BinlogTransaction(Gtid Gtid, DateTimeOffset WrittenAt, bool Ddl, IReadOnlyList<string> EventKinds)
{
    /// <summary>Events a transaction of row changes holds; anything else (a Query other than its COMMIT) is a statement.</summary>
    private static readonly HashSet<string> RowEvents = ["Annotate_rows", "Table_map", "Write_rows", "Update_rows", "Delete_rows", "Xid",
        "Write_rows_compressed", "Update_rows_compressed", "Delete_rows_compressed"];

    /// <summary>Why flashback cannot undo this transaction, or null when it holds row changes only.</summary>
    public string? WhyNotRowDml() =>
        Ddl ? $"{Gtid} is DDL, which flashback cannot undo"
        : EventKinds.FirstOrDefault(kind => !RowEvents.Contains(kind)) is { } other
            ? $"{Gtid} holds a {other} event (a statement, not row changes), which flashback cannot undo"
            : null;
}

/// <summary>A MariaDB GTID: domain, server id, sequence number.</summary>
internal readonly record struct Gtid(long Domain, long Server, long Sequence)
{
    public static Gtid Parse(string text)
    {
        var parts = text.Trim().Split('-');
        return parts.Length == 3
               && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var domain)
               && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var server)
               && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new Gtid(domain, server, sequence)
            : throw new FormatException($"'{text}' is not a MariaDB GTID (domain-server-sequence)");
    }

    /// <summary>A comma-separated GTID list (a gtid_binlog_state or gtid_binlog_pos); empty for an empty text.</summary>
    public static IReadOnlyList<Gtid> ParseList(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToList();

    public static string Format(IEnumerable<Gtid> gtids) => string.Join(",", gtids);

    public override string ToString() => $"{Domain}-{Server}-{Sequence}";
}

/// <summary>
/// The transactions of a server's binary log files, read from what mariadb-binlog prints with
/// <c>--base64-output=decode-rows</c>: each event's header comment ("#yymmdd hh:mm:ss server id … end_log_pos …\tKind …")
/// and the "Gtid list [...]" of the first file, which is the binlog state before everything in the files.
/// </summary>
internal sealed partial record BinlogScan(IReadOnlyList<Gtid> StateBefore, IReadOnlyList<BinlogTransaction> Transactions)
{
    public static async Task<BinlogScan> ParseAsync(IAsyncEnumerable<string> lines)
    {
        IReadOnlyList<Gtid>? stateBefore = null;
        var transactions = new List<BinlogTransaction>();
        (Gtid Gtid, DateTimeOffset At, bool Ddl, List<string> Kinds)? open = null;
        // A Query event is a transaction's COMMIT (non-transactional tables) or a statement: its text, on the lines
        // after its header, says which.
        var queryPending = false;
        await foreach (var line in lines)
        {
            var header = Header().Match(line);
            if (!header.Success)
            {
                if (!queryPending || line.StartsWith('#') || line.StartsWith("SET ", StringComparison.Ordinal)
                    || line.StartsWith("/*!", StringComparison.Ordinal) || line.StartsWith("use ", StringComparison.Ordinal) || line.Length == 0) continue;
                open?.Kinds.Add(line.StartsWith("COMMIT", StringComparison.Ordinal) ? "Xid" : "Query");
                queryPending = false;
                continue;
            }
            if (queryPending) open?.Kinds.Add("Query");
            queryPending = false;
            var description = header.Groups["event"].Value;
            if (GtidList().Match(description) is { Success: true } list)
            {
                stateBefore ??= Gtid.ParseList(list.Groups["gtids"].Value);
                continue;
            }
            if (GtidEvent().Match(description) is { Success: true } gtid)
            {
                if (open is { } ended) transactions.Add(new BinlogTransaction(ended.Gtid, ended.At, ended.Ddl, ended.Kinds));
                var flags = gtid.Groups["flags"].Value;
                open = (Gtid.Parse(gtid.Groups["gtid"].Value), WrittenAt(header.Groups["at"].Value), flags.Contains("ddl", StringComparison.Ordinal), []);
                continue;
            }
            // Start, rotation, checkpoint and GTID-list events sit between transactions, never inside one.
            var kind = EventKind().Match(description).Value;
            if (kind is "Start" or "Rotate" or "Binlog" or "Gtid" or "Stop" or "") continue;
            if (kind == "Query") queryPending = open is not null;
            else open?.Kinds.Add(kind);
        }
        if (queryPending) open?.Kinds.Add("Query");
        if (open is { } last) transactions.Add(new BinlogTransaction(last.Gtid, last.At, last.Ddl, last.Kinds));
        return new BinlogScan(stateBefore ?? [], transactions);
    }

    /// <summary>mariadb-binlog prints the server's local time as yymmdd h:mm:ss; the agent runs in the server's time zone.</summary>
    private static DateTimeOffset WrittenAt(string text) =>
        new(DateTime.ParseExact(SpaceRun().Replace(text.Trim(), " "), "yyMMdd H:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal));

    [GeneratedRegex(@"^#(?<at>\d{6}\s+\d{1,2}:\d\d:\d\d) server id \d+\s+end_log_pos \d+\s.*?\t(?<event>.*)$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^Gtid list \[(?<gtids>[^\]]*)\]")]
    private static partial Regex GtidList();

    [GeneratedRegex(@"^GTID (?<gtid>\d+-\d+-\d+)(?<flags>.*)$")]
    private static partial Regex GtidEvent();

    [GeneratedRegex(@"^[A-Za-z_]+")]
    private static partial Regex EventKind();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpaceRun();
}
