using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// Writes a row's properties into the SDK's <see cref="TableEntity"/>, which types and annotates them as the
/// service wants. A null value writes nothing: the property is absent.
/// </summary>
internal readonly struct TableEntityWriter(TableEntity entity)
{
    public void WriteString(string name, string? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }

    public void WriteInt32(string name, int? value)
    {
        if (value is { } v)
        {
            entity[name] = v;
        }
    }

    public void WriteInt64(string name, long? value)
    {
        if (value is { } v)
        {
            entity[name] = v;
        }
    }

    public void WriteBoolean(string name, bool? value)
    {
        if (value is { } v)
        {
            entity[name] = v;
        }
    }

    public void WriteDouble(string name, double? value)
    {
        if (value is { } v)
        {
            entity[name] = v;
        }
    }

    public void WriteDateTimeOffset(string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            entity[name] = v.ToUniversalTime();
        }
    }

    /// <summary>
    /// Writes a string of any length across as many properties as it needs (see <see cref="LargeStrings"/>).
    /// Read it back with <see cref="TableEntityReader.GetLargeString"/>. The entity as a whole must still stay within 1 MiB.
    /// </summary>
    /// <returns>The number of properties written.</returns>
    public int WriteLargeString(string name, string? value) => value is null ? 0 : entity.SetLargeString(name, value);
}
