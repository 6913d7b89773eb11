using System.Text.Json;

namespace AgentFunctions.Core.Stores;

/// <summary>
/// The JSON objects that threads and assistants carry (metadata, config, context): an empty default,
/// the check that a value is an object, and the metadata filter of the search endpoints.
/// </summary>
public static class JsonObjects
{
    /// <summary>An empty JSON object, <c>{}</c>.</summary>
    public static JsonElement Empty { get; } = Parse("{}");

    /// <summary>Parses <paramref name="json"/> into an element that outlives any document.</summary>
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// <paramref name="value"/> as a detached JSON object: an undefined element (a default
    /// <see cref="JsonElement"/>) becomes <c>{}</c>; anything but an object is refused.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not a JSON object.</exception>
    public static JsonElement RequireObject(JsonElement value, string name)
        => value.ValueKind switch
        {
            JsonValueKind.Undefined => Empty,
            JsonValueKind.Object => value.Clone(),
            _ => throw new ArgumentException($"{name} must be a JSON object, not {Describe(value.ValueKind)}.", name),
        };

    /// <summary>
    /// Whether <paramref name="metadata"/> contains <paramref name="filter"/>, as LangGraph filters
    /// metadata (PostgreSQL's <c>@&gt;</c>): every key of the filter is present with a value that
    /// contains the filter's value — objects recursively by key, arrays when each filter element is
    /// contained in some element, scalars when equal (numbers by value, so <c>1</c> equals <c>1.0</c>
    /// but not <c>"1"</c>). An empty or absent filter matches everything.
    /// </summary>
    public static bool Matches(JsonElement metadata, JsonElement filter)
        => filter.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null || Contains(metadata, filter);

    private static bool Contains(JsonElement value, JsonElement filter) => filter.ValueKind switch
    {
        JsonValueKind.Object => value.ValueKind == JsonValueKind.Object
            && filter.EnumerateObject().All(p => value.TryGetProperty(p.Name, out var inner) && Contains(inner, p.Value)),
        JsonValueKind.Array => value.ValueKind == JsonValueKind.Array
            && filter.EnumerateArray().All(wanted => value.EnumerateArray().Any(item => Contains(item, wanted))),
        _ => JsonElement.DeepEquals(value, filter),
    };

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a Boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
