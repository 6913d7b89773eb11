using System.Globalization;
using System.Text;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Items;

/// <summary>
/// An item's RowKey: each namespace label encoded and ended by <see cref="LabelEnd"/>, then <see cref="KeyStart"/> and
/// the encoded key. Letters, digits, '-', '_', ':' and '@' stand for themselves; every other character is
/// <see cref="Escape"/> and two hex digits per UTF-8 byte, so an encoded label never holds '!' or '$' and every key
/// is a valid table key. Hence every namespace prefix is a prefix of the RowKeys (a bounded key range, never a
/// scan), the items of one namespace are contiguous (<c>…!$</c>, before its deeper namespaces, whose encoded
/// labels start with characters above '$'), and a RowKey decodes back to its namespace and key.
/// </summary>
internal static class ItemKeys
{
    public const char LabelEnd = '!';
    public const char KeyStart = '$';
    public const char Escape = '~';

    /// <summary>The longest RowKey, in characters.</summary>
    public const int MaxRowKeyLength = TableKeys.MaxKeyBytes / sizeof(char);

    /// <summary>The RowKey of an item.</summary>
    /// <exception cref="ArgumentException">Namespace and key are too long together for a table key.</exception>
    public static string RowKey(IReadOnlyList<string> itemNamespace, string key)
    {
        var builder = new StringBuilder(Prefix(itemNamespace)).Append(KeyStart);
        Encode(builder, key);
        if (builder.Length > MaxRowKeyLength)
        {
            throw new ArgumentException(
                $"The namespace and key are too long together: encoded they take {builder.Length} characters, where at most {MaxRowKeyLength} fit (characters other than letters, digits, '-', '_', ':' and '@' take 3 per UTF-8 byte).",
                nameof(key));
        }

        return builder.ToString();
    }

    /// <summary>What every RowKey under <paramref name="prefix"/> starts with (empty for no prefix).</summary>
    public static string Prefix(IReadOnlyList<string> prefix)
    {
        var builder = new StringBuilder();
        foreach (var label in prefix)
        {
            Encode(builder, label);
            builder.Append(LabelEnd);
        }

        return builder.ToString();
    }

    /// <summary>The first string after every string that starts with <paramref name="prefix"/> (its last character raised by one).</summary>
    public static string After(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    /// <summary>The namespace and key a RowKey holds.</summary>
    /// <exception cref="FormatException">The RowKey was not made by <see cref="RowKey"/>.</exception>
    public static (IReadOnlyList<string> Namespace, string Key) Parse(string rowKey)
    {
        var labels = new List<string>();
        var start = 0;
        while (true)
        {
            if (start >= rowKey.Length)
            {
                throw new FormatException("The item's row key holds no key.");
            }

            if (rowKey[start] == KeyStart)
            {
                return (labels, Decode(rowKey.AsSpan(start + 1)));
            }

            var end = rowKey.IndexOf(LabelEnd, start);
            if (end < 0)
            {
                throw new FormatException("The item's row key has an unterminated label.");
            }

            labels.Add(Decode(rowKey.AsSpan(start, end - start)));
            start = end + 1;
        }
    }

    private static void Encode(StringBuilder builder, string text)
    {
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ':' or '@')
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                ? Encoding.UTF8.GetBytes(text.AsSpan(i++, 2), bytes)
                : Encoding.UTF8.GetBytes(text.AsSpan(i, 1), bytes);
            foreach (var b in bytes[..length])
            {
                builder.Append(Escape).Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }

    private static string Decode(ReadOnlySpan<char> encoded)
    {
        if (encoded.IndexOf(Escape) < 0)
        {
            return encoded.ToString();
        }

        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != Escape)
            {
                bytes.Add((byte)encoded[i]);
                continue;
            }

            if (i + 2 >= encoded.Length || !byte.TryParse(encoded.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                throw new FormatException("The item's row key has a bad escape.");
            }

            bytes.Add(b);
            i += 2;
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
