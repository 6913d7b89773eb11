using System.Buffers.Text;
using System.Text;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// Packs the service's NextPartitionKey/NextRowKey pair into one opaque, URL-safe token that an
/// HTTP API can hand to its clients and take back.
/// </summary>
internal static class TableContinuation
{
    private const char Separator = '\n';

    public static string? Encode(string? nextPartitionKey, string? nextRowKey)
        => nextPartitionKey is null && nextRowKey is null
            ? null
            : Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{nextPartitionKey}{Separator}{nextRowKey}"));

    /// <exception cref="ArgumentException">The token was not made by <see cref="Encode"/>.</exception>
    public static (string? NextPartitionKey, string? NextRowKey) Decode(string token)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw new ArgumentException("The continuation token is not valid.", nameof(token));
        }

        var separator = text.IndexOf(Separator, StringComparison.Ordinal);
        if (separator < 0 || text.IndexOf(Separator, separator + 1) >= 0 || text.Any(c => char.IsControl(c) && c != Separator))
        {
            throw new ArgumentException("The continuation token is not valid.", nameof(token));
        }

        var partition = text[..separator];
        var row = text[(separator + 1)..];
        return (partition.Length == 0 ? null : partition, row.Length == 0 ? null : row);
    }
}
