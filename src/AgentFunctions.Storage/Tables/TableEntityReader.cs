using System.Globalization;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// Reads a row's properties from the SDK's <see cref="TableEntity"/>. Typed getters return null for an
/// absent (or null) property; a property of another type is a <see cref="FormatException"/>.
/// </summary>
internal readonly struct TableEntityReader(TableEntity entity)
{
    public string? GetString(string name) => entity.TryGetValue(name, out var value) && value is not null
        ? value as string ?? throw WrongType(name, "a string")
        : null;

    /// <summary>Reads a string written with <see cref="TableEntityWriter.WriteLargeString"/>: the property and its numbered continuations.</summary>
    public string? GetLargeString(string name) => entity.GetLargeString(name);

    public int? GetInt32(string name) => entity.TryGetValue(name, out var value) ? value switch
    {
        null => null,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => throw WrongType(name, "an Int32"),
    } : null;

    public long? GetInt64(string name) => entity.TryGetValue(name, out var value) ? value switch
    {
        null => null,
        long l => l,
        int i => i,
        string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        _ => throw WrongType(name, "an Int64"),
    } : null;

    public double? GetDouble(string name) => entity.TryGetValue(name, out var value) ? value switch
    {
        null => null,
        double d => d,
        int i => i,
        long l => l,
        _ => throw WrongType(name, "a Double"),
    } : null;

    public bool? GetBoolean(string name) => entity.TryGetValue(name, out var value) ? value switch
    {
        null => null,
        bool b => b,
        _ => throw WrongType(name, "a Boolean"),
    } : null;

    public DateTimeOffset? GetDateTimeOffset(string name) => entity.TryGetValue(name, out var value) ? value switch
    {
        null => null,
        DateTimeOffset dto => dto,
        DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()),
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) => d,
        _ => throw WrongType(name, "a DateTime"),
    } : null;

    private static FormatException WrongType(string name, string expected) => new($"Property '{name}' is not {expected}.");
}
