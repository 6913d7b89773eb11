using System.Runtime.CompilerServices;

namespace AgentFunctions.Storage.Tables;

/// <summary>The Table service's limits the stores plan their writes and reads by.</summary>
public static class TableLimits
{
    /// <summary>The most entities the service returns in one page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The most operations in one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>The most bytes one entity takes, as the service counts them (<see cref="EntityBytes"/>).</summary>
    public const long MaxEntityBytes = 1024 * 1024;

    /// <summary>The most properties of one entity besides PartitionKey, RowKey and Timestamp.</summary>
    public const int MaxEntityProperties = 252;

    /// <summary>
    /// The bytes <paramref name="entity"/> takes as the Table service counts them: 4, plus for each property 8, twice
    /// its name's length, and its value's size (a string 4 plus 2 per UTF-16 unit, binary 4 plus its length, a Guid
    /// 16, a 64-bit value 8, an Int32 4, a Boolean 1), the keys counted as strings.
    /// </summary>
    public static long EntityBytes(IDictionary<string, object> entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        long bytes = 4;
        foreach (var (name, value) in entity)
        {
            bytes += PropertyBytes(name, value);
        }

        return bytes;
    }

    /// <summary>The bytes one property takes (see <see cref="EntityBytes"/>).</summary>
    public static long PropertyBytes(string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        return 8 + (2L * name.Length) + value switch
        {
            null => 0,
            string text => 4 + (2L * text.Length),
            byte[] binary => 4 + binary.LongLength,
            BinaryData data => 4 + data.ToMemory().Length,
            bool => 1,
            int => 4,
            Guid => 16,
            _ => 8,
        };
    }

    /// <summary>Whether the property is one the service keeps itself (not counted against <see cref="MaxEntityProperties"/>).</summary>
    public static bool IsSystemProperty(string name) => name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

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
