using System.Runtime.CompilerServices;

namespace AgentFunctions.Storage.Tables;

/// <summary>The Table service's limits the stores plan their writes and reads by.</summary>
public static class TableLimits
{
    /// <summary>The most entities the service returns in one page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The most operations in one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>
    /// The bytes a string property takes in a request body as the SDK writes it (System.Text.Json's default
    /// encoder): printable ASCII as itself, a backslash as two, and quotes, HTML-sensitive, control and
    /// non-ASCII characters as a six-byte <c>\uXXXX</c>. Azurite counts a property by these bytes; keeping
    /// the body ASCII also keeps it safe from Azurite's corruption of a multi-byte UTF-8 character that a
    /// network read splits. For keeping properties and transactions under the service's limits.
    /// </summary>
    public static long RequestBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long bytes = 0;
        foreach (var c in text)
        {
            bytes += RequestBytes(c);
        }

        return bytes;
    }

    /// <summary>The bytes one character of a string property takes in a request body (see <see cref="RequestBytes(string)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RequestBytes(char c)
        => c == '\\' ? 2
            : c is < ' ' or > '~' or '"' or '<' or '>' or '&' or '\'' or '+' or '`' ? 6
            : 1;
}
