namespace MySqlHa.Agent.Jobs;

/// <summary>
/// Where a server's history leaves the master's. A GTID d-s-n of the server is the master's too when the master's
/// state holds d-s-m with m ≥ n: under gtid_strict_mode each domain is one ordered sequence, and the new master got
/// the old master's transactions in order, so what it holds of one server is a prefix of that server's. The
/// master's @@gtid_binlog_state names every server it holds per domain; its @@gtid_binlog_pos names only the last,
/// which suffices while the new master has written nothing of its own. The server's extra transactions must end
/// each domain's sequence: an extra transaction followed by a shared one is no divergence flashback can undo.
/// </summary>
internal sealed record DivergedHistory(IReadOnlyList<BinlogTransaction> Extra, IReadOnlyList<Gtid> SharedPosition)
{
    public static DivergedHistory Find(BinlogScan scan, IReadOnlyList<Gtid> serverState, IReadOnlyList<Gtid> master)
    {
        bool Held(Gtid gtid) => master.Any(m => m.Domain == gtid.Domain && m.Server == gtid.Server && m.Sequence >= gtid.Sequence);

        var extra = scan.Transactions.Where(t => !Held(t.Gtid)).ToList();
        var shared = new List<Gtid>();
        foreach (var domain in serverState.Select(g => g.Domain).Distinct().Order())
        {
            var inDomain = scan.Transactions.Where(t => t.Gtid.Domain == domain).ToList();
            var first = inDomain.FindIndex(t => !Held(t.Gtid));
            if (first < 0)
            {
                // Nothing extra in this domain: the server's own last GTID in it is the master's too.
                shared.Add(serverState.Where(g => g.Domain == domain).MaxBy(g => g.Sequence));
                continue;
            }
            if (inDomain.Skip(first).FirstOrDefault(t => Held(t.Gtid)) is { } later)
                throw new JobFailedException($"the master holds {later.Gtid}, which the server wrote after its extra {inDomain[first].Gtid}: " +
                    "the histories interleave, so the server's extra transactions are not a suffix of its binary log");
            var before = first > 0 ? inDomain[first - 1].Gtid
                : scan.StateBefore.Where(g => g.Domain == domain).Select(g => (Gtid?)g).MaxBy(g => g!.Value.Sequence);
            if (before is not { } point || !Held(point))
                throw new JobFailedException($"the server's binary logs begin inside its extra transactions of domain {domain} " +
                    $"(first {inDomain[first].Gtid}): the logs before it were purged, so only a rebuild can bring it back");
            shared.Add(point);
        }
        return new DivergedHistory(extra, shared);
    }
}
