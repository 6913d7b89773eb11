using System.Collections;
using Azure;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// An entity with any properties, kept by name: for tools, tests and tables without a fixed shape.
/// Values are string, bool, int, long, double, DateTimeOffset, Guid or byte[]; setting null removes a property.
/// </summary>
public sealed class TableEntity : ITableEntity<TableEntity>, IEnumerable<KeyValuePair<string, object>>
{
    private readonly Dictionary<string, object> _properties = new(StringComparer.Ordinal);

    public TableEntity()
    {
    }

    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary>The number of properties, keys and timestamp not counted.</summary>
    public int Count => _properties.Count;

    public IEnumerable<string> Keys => _properties.Keys;

    /// <summary>A property's value, or null when absent. Setting null removes it.</summary>
    public object? this[string name]
    {
        get => _properties.GetValueOrDefault(name);
        set
        {
            if (value is null)
            {
                _properties.Remove(name);
            }
            else
            {
                _properties[name] = Normalize(name, value);
            }
        }
    }

    /// <summary>Adds a property (for collection initializers).</summary>
    public void Add(string name, object value) => this[name] = value;

    public bool ContainsKey(string name) => _properties.ContainsKey(name);

    public string? GetString(string name) => this[name] as string;

    public bool? GetBoolean(string name) => this[name] as bool?;

    public int? GetInt32(string name) => this[name] as int?;

    public long? GetInt64(string name) => this[name] switch
    {
        long l => l,
        int i => i,
        _ => null,
    };

    public double? GetDouble(string name) => this[name] switch
    {
        double d => d,
        int i => i,
        _ => null,
    };

    public DateTimeOffset? GetDateTimeOffset(string name) => this[name] as DateTimeOffset?;

    public Guid? GetGuid(string name) => this[name] as Guid?;

    public byte[]? GetBinary(string name) => this[name] as byte[];

    /// <summary>Reads a string stored across properties by <see cref="SetLargeString"/> or <see cref="TableEntityWriter.WriteLargeString"/>.</summary>
    public string? GetLargeString(string name) => LargeStrings.Join(name, GetString);

    /// <summary>Stores a string of any length as <paramref name="name"/> and as many numbered parts as it needs.</summary>
    /// <returns>The number of properties used.</returns>
    public int SetLargeString(string name, string value)
    {
        var parts = 0;
        foreach (var range in LargeStrings.Split(value))
        {
            this[LargeStrings.PartName(name, parts++)] = value[range];
        }

        return parts;
    }

    public void WriteProperties(TableEntityWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (name, value) in _properties)
        {
            writer.WriteValue(name, value);
        }
    }

    public static TableEntity ReadEntity(TableEntityReader reader)
    {
        var entity = new TableEntity();
        foreach (var (name, value) in reader.EnumerateProperties())
        {
            entity._properties[name] = value;
        }

        return entity;
    }

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static object Normalize(string name, object value) => value switch
    {
        string or bool or int or long or double or Guid or byte[] => value,
        DateTimeOffset dto => dto.ToUniversalTime(),
        DateTime dt => new DateTimeOffset(dt.ToUniversalTime()),
        BinaryData data => data.ToArray(),
        _ => throw new NotSupportedException($"Property '{name}' has type {value.GetType().Name}, which the Table service does not store."),
    };
}
