using System.Globalization;
using System.Text.Json;
using Azure;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// Reads one entity of a Table service response (OData JSON, minimal metadata). Typed getters
/// return null for an absent property; a property of the wrong type is a <see cref="FormatException"/>.
/// Valid only while the entity is being read.
/// </summary>
public readonly struct TableEntityReader
{
    private const string TypeSuffix = "@odata.type";
    private readonly JsonElement _entity;

    internal TableEntityReader(JsonElement entity) => _entity = entity;

    public string? PartitionKey => GetString(nameof(PartitionKey));

    public string? RowKey => GetString(nameof(RowKey));

    public DateTimeOffset? Timestamp => GetDateTimeOffset(nameof(Timestamp));

    public ETag ETag => _entity.TryGetProperty("odata.etag", out var etag) && etag.GetString() is { } value ? new ETag(value) : default;

    public bool Contains(string name) => _entity.TryGetProperty(name, out _);

    public string? GetString(string name) => TryGet(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(name, "a string") : null;

    /// <summary>Reads a string written with <see cref="TableEntityWriter.WriteLargeString"/>: the property and its numbered continuations.</summary>
    public string? GetLargeString(string name)
    {
        var reader = this;
        return LargeStrings.Join(name, part => reader.GetString(part));
    }

    public bool? GetBoolean(string name) => TryGet(name, out var value) ? value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw WrongType(name, "a Boolean"),
    } : null;

    public int? GetInt32(string name) => TryGet(name, out var value) ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : throw WrongType(name, "an Int32") : null;

    public long? GetInt64(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            _ => throw WrongType(name, "an Int64"),
        };
    }

    public double? GetDouble(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String => value.GetString() switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                var s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                _ => throw WrongType(name, "a Double"),
            },
            _ => throw WrongType(name, "a Double"),
        };
    }

    public DateTimeOffset? GetDateTimeOffset(string name)
        => TryGet(name, out var value)
            ? value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
                ? d
                : throw WrongType(name, "a DateTime")
            : null;

    public Guid? GetGuid(string name)
        => TryGet(name, out var value) ? value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var g) ? g : throw WrongType(name, "a Guid") : null;

    public byte[]? GetBinary(string name)
        => TryGet(name, out var value) ? value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out var bytes) ? bytes : throw WrongType(name, "Binary") : null;

    /// <summary>Every property except the keys, timestamp and OData annotations, typed by its annotation (or its JSON kind when it has none).</summary>
    public IEnumerable<KeyValuePair<string, object>> EnumerateProperties()
    {
        var properties = new List<KeyValuePair<string, object>>();
        foreach (var property in _entity.EnumerateObject())
        {
            var name = property.Name;
            if (name.StartsWith("odata.", StringComparison.Ordinal)
                || name.EndsWith(TypeSuffix, StringComparison.Ordinal)
                || name is nameof(PartitionKey) or nameof(RowKey) or nameof(Timestamp))
            {
                continue;
            }

            object? value = TypeOf(name) switch
            {
                "Edm.Int64" => GetInt64(name),
                "Edm.Double" => GetDouble(name),
                "Edm.DateTime" => GetDateTimeOffset(name),
                "Edm.Guid" => GetGuid(name),
                "Edm.Binary" => GetBinary(name),
                "Edm.Boolean" => GetBoolean(name),
                "Edm.Int32" => GetInt32(name),
                "Edm.String" => GetString(name),
                _ => property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number when property.Value.TryGetInt32(out var i) => i,
                    JsonValueKind.Number => property.Value.GetDouble(),
                    _ => null,
                },
            };

            if (value is not null)
            {
                properties.Add(new(name, value));
            }
        }

        return properties;
    }

    private string? TypeOf(string name)
        => _entity.TryGetProperty(name + TypeSuffix, out var type) ? type.GetString() : null;

    private bool TryGet(string name, out JsonElement value)
        => _entity.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static FormatException WrongType(string name, string expected) => new($"Property '{name}' is not {expected}.");
}
