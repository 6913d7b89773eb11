using System.Globalization;
using System.Text;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// The one place that turns values into OData filter literals. Every interpolated value of the
/// <see cref="FormattableString"/> becomes a quoted, escaped literal of its type, so request values
/// can never change the shape of a filter.
/// </summary>
/// <example><c>TableFilter.Create($"PartitionKey eq {owner} and Status eq {status}")</c></example>
public static class TableFilter
{
    /// <summary>Builds a filter string; interpolated values are formatted as OData literals.</summary>
    /// <exception cref="NotSupportedException">A value's type has no OData literal.</exception>
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var arguments = filter.GetArguments();
        var literals = new object?[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            literals[i] = Literal(arguments[i]);
        }

        return string.Format(CultureInfo.InvariantCulture, filter.Format, literals);
    }

    /// <summary>The OData literal of one value: strings quoted with <c>'</c> doubled, typed literals for the rest.</summary>
    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        char c => Quote(c.ToString()),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : throw new NotSupportedException("NaN and infinity have no OData literal."),
        Guid g => "guid'" + g.ToString("D") + "'",
        DateTimeOffset dto => "datetime'" + dto.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + "'",
        DateTime dt => "datetime'" + dt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + "'",
        byte[] bytes => "X'" + Convert.ToHexStringLower(bytes) + "'",
        BinaryData data => "X'" + Convert.ToHexStringLower(data.ToMemory().Span) + "'",
        Enum e => Quote(e.ToString()),
        _ => throw new NotSupportedException($"A value of type {value.GetType().Name} has no OData filter literal."),
    };

    private static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            builder.Append(c);
            if (c == '\'')
            {
                builder.Append('\'');
            }
        }

        return builder.Append('\'').ToString();
    }
}
