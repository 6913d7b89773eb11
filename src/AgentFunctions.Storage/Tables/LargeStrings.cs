using System.Text;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// How a string longer than one property is kept: split into parts of at most
/// <see cref="MaxPropertyChars"/> characters (64 KiB of UTF-16, less a margin, as Azure counts) and at
/// most <see cref="MaxPropertyRequestBytes"/> bytes as sent (Azurite counts a property by its escaped
/// JSON, where a non-ASCII character takes six bytes), never inside a surrogate pair, stored as
/// <c>name</c>, <c>name_1</c>, <c>name_2</c>…
/// </summary>
public static class LargeStrings
{
    /// <summary>The most characters one string property holds.</summary>
    public const int MaxPropertyChars = 32_000;

    /// <summary>The most bytes one string property takes in a request body (see <see cref="TableLimits.RequestBytes(string)"/>).</summary>
    public const long MaxPropertyRequestBytes = 60_000;

    /// <summary>The property name of part <paramref name="index"/> of <paramref name="name"/>.</summary>
    public static string PartName(string name, int index) => index == 0 ? name : $"{name}_{index}";

    /// <summary>The ranges of <paramref name="value"/> that go into its parts, in order (one, empty, for an empty string).</summary>
    public static IEnumerable<Range> Split(string value, int maxChars = MaxPropertyChars, long maxRequestBytes = MaxPropertyRequestBytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        var start = 0;
        do
        {
            var length = 0;
            long bytes = 0;
            while (start + length < value.Length && length < maxChars)
            {
                var cost = TableLimits.RequestBytes(value[start + length]);
                if (bytes + cost > maxRequestBytes)
                {
                    break;
                }

                bytes += cost;
                length++;
            }

            if (start + length < value.Length && length > 1 && char.IsHighSurrogate(value[start + length - 1]))
            {
                length--;
            }

            yield return new Range(start, start + length);
            start += length;
        }
        while (start < value.Length);
    }

    /// <summary>The string stored as <paramref name="name"/> and its parts, read with <paramref name="read"/>; null when absent.</summary>
    public static string? Join(string name, Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var first = read(name);
        if (first is null || read(PartName(name, 1)) is not { } second)
        {
            return first;
        }

        var builder = new StringBuilder(first).Append(second);
        for (var i = 2; read(PartName(name, i)) is { } part; i++)
        {
            builder.Append(part);
        }

        return builder.ToString();
    }

    /// <summary>Stores a string of any length in <paramref name="entity"/> as <paramref name="name"/> and as many numbered parts as it needs.</summary>
    /// <returns>The number of properties used.</returns>
    public static int SetLargeString(this TableEntity entity, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var parts = 0;
        foreach (var range in Split(value))
        {
            entity[PartName(name, parts++)] = value[range];
        }

        return parts;
    }

    /// <summary>Reads a string stored by <see cref="SetLargeString"/>; null when absent.</summary>
    /// <exception cref="FormatException">A part is not a string.</exception>
    public static string? GetLargeString(this TableEntity entity, string name)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return Join(name, part => entity.TryGetValue(part, out var value) && value is not null
            ? value as string ?? throw new FormatException($"Property '{part}' is not a string.")
            : null);
    }
}
