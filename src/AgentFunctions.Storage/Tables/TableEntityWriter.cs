using System.Globalization;
using System.Text.Json;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// Writes an entity's properties as the Table service's JSON, with the OData type annotation each
/// type needs (<c>Edm.Int64</c>, <c>Edm.DateTime</c>, <c>Edm.Guid</c>, <c>Edm.Binary</c>, <c>Edm.Double</c>).
/// A null value writes nothing: the property is absent.
/// </summary>
public sealed class TableEntityWriter
{
    private readonly Utf8JsonWriter _json;

    internal TableEntityWriter(Utf8JsonWriter json) => _json = json;

    public void WriteString(string name, string? value)
    {
        if (value is not null)
        {
            _json.WriteString(name, value);
        }
    }

    public void WriteBoolean(string name, bool? value)
    {
        if (value is { } v)
        {
            _json.WriteBoolean(name, v);
        }
    }

    public void WriteInt32(string name, int? value)
    {
        if (value is { } v)
        {
            _json.WriteNumber(name, v);
        }
    }

    public void WriteInt64(string name, long? value)
    {
        if (value is { } v)
        {
            Annotate(name, "Edm.Int64");
            _json.WriteString(name, v.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void WriteDouble(string name, double? value)
    {
        if (value is not { } v)
        {
            return;
        }

        Annotate(name, "Edm.Double");
        if (double.IsFinite(v))
        {
            _json.WriteNumber(name, v);
        }
        else
        {
            _json.WriteString(name, double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        }
    }

    public void WriteDateTimeOffset(string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            Annotate(name, "Edm.DateTime");
            _json.WriteString(name, v.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        }
    }

    public void WriteGuid(string name, Guid? value)
    {
        if (value is { } v)
        {
            Annotate(name, "Edm.Guid");
            _json.WriteString(name, v.ToString("D"));
        }
    }

    public void WriteBinary(string name, ReadOnlySpan<byte> value)
    {
        Annotate(name, "Edm.Binary");
        _json.WriteBase64String(name, value);
    }

    public void WriteBinary(string name, byte[]? value)
    {
        if (value is not null)
        {
            WriteBinary(name, value.AsSpan());
        }
    }

    /// <summary>
    /// Writes a string of any length across as many properties as it needs — <paramref name="name"/>,
    /// then <c>name_1</c>, <c>name_2</c>… — each within the service's 64 KiB (UTF-16) property limit and
    /// never splitting a surrogate pair. Read it back with <see cref="TableEntityReader.GetLargeString"/>.
    /// The entity as a whole must still stay within 1 MiB.
    /// </summary>
    /// <returns>The number of properties written.</returns>
    public int WriteLargeString(string name, string? value)
    {
        if (value is null)
        {
            return 0;
        }

        var parts = 0;
        foreach (var range in LargeStrings.Split(value))
        {
            _json.WriteString(LargeStrings.PartName(name, parts++), value.AsSpan(range));
        }

        return parts;
    }

    /// <summary>Writes a value of any supported type: string, bool, int, long, double, DateTimeOffset, DateTime, Guid, byte[], BinaryData.</summary>
    /// <exception cref="NotSupportedException">The type is not one the Table service stores.</exception>
    public void WriteValue(string name, object? value)
    {
        switch (value)
        {
            case null: break;
            case string s: WriteString(name, s); break;
            case bool b: WriteBoolean(name, b); break;
            case int i: WriteInt32(name, i); break;
            case long l: WriteInt64(name, l); break;
            case double d: WriteDouble(name, d); break;
            case DateTimeOffset dto: WriteDateTimeOffset(name, dto); break;
            case DateTime dt: WriteDateTimeOffset(name, new DateTimeOffset(dt.ToUniversalTime())); break;
            case Guid g: WriteGuid(name, g); break;
            case byte[] bytes: WriteBinary(name, bytes); break;
            case BinaryData data: WriteBinary(name, data.ToMemory().Span); break;
            default: throw new NotSupportedException($"Property '{name}' has type {value.GetType().Name}, which the Table service does not store.");
        }
    }

    private void Annotate(string name, string edmType) => _json.WriteString(name + "@odata.type", edmType);
}
