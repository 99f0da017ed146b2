using System.Buffers.Text;
using System.Text;

namespace MySqlHa.Workflows.Audit;

/// <summary>
/// The opaque cursor of an events page: the order it was read in and the sequence of its last event. A cursor only
/// continues the order it came from, so that a caller who flips the order is told, not silently given the wrong page.
/// </summary>
public static class AuditCursor
{
    private const string NotOurs = "Not a cursor this Api gave out; pass the 'next' of the page before, unchanged.";

    public static string Encode(AuditOrder order, long lastSequence) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{Letter(order)}{lastSequence}"));

    /// <summary>The sequence after which the next page starts, or an error to show the caller.</summary>
    public static (long? After, string? Error) Decode(string cursor, AuditOrder order)
    {
        string text;
        try
        {
            text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return (null, NotOurs);
        }
        if (text.Length < 2 || !long.TryParse(text.AsSpan(1), out var sequence) || sequence < 0 || text[0] is not ('a' or 'd'))
            return (null, NotOurs);
        if (text[0] != Letter(order))
            return (null, $"The cursor continues a page read with order={(text[0] == 'a' ? "asc" : "desc")}; ask with that order, or start again without a cursor.");
        return (sequence, null);
    }

    private static char Letter(AuditOrder order) => order == AuditOrder.OldestFirst ? 'a' : 'd';
}
