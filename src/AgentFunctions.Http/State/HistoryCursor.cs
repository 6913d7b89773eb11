using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using AgentFunctions.Core.Checkpoints;

namespace AgentFunctions.Http.State;

/// <summary>
/// The continuation token of the history routes: opaque to clients, it says where the next page starts
/// (after the last checkpoint of the page before, newest first). It is a position, not a snapshot of a
/// query: it carries no owner, thread or filter, so it cannot reach anything the request could not, and
/// a page read with it is exactly the page after the one that returned it, filtered or not.
/// </summary>
internal static class HistoryCursor
{
    private const string Prefix = "h1:";

    public static string Create(string lastCheckpointId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + lastCheckpointId));

    /// <summary>The checkpoint id the next page starts before; false for a string this class did not make.</summary>
    public static bool TryRead(string? cursor, [NotNullWhen(true)] out string? before)
    {
        before = null;
        if (cursor is null || cursor.Length is 0 or > 128 || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || !CheckpointIds.TryGetSequence(text[Prefix.Length..], out _))
        {
            return false;
        }

        before = text[Prefix.Length..];
        return true;
    }
}
