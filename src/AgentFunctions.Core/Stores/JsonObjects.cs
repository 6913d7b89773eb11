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
    /// Whether <paramref name="metadata"/> matches <paramref name="filter"/>: every top-level key of the
    /// filter is present in the metadata with a deep-equal value (objects compare key by key regardless of
    /// order, numbers by value, so <c>1</c> equals <c>1.0</c> but not <c>"1"</c>). An empty or absent filter
    /// matches everything.
    /// </summary>
    public static bool Matches(JsonElement metadata, JsonElement filter)
    {
        if (filter.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return true;
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return !filter.EnumerateObject().Any();
        }

        foreach (var property in filter.EnumerateObject())
        {
            if (!metadata.TryGetProperty(property.Name, out var value) || !JsonElement.DeepEquals(value, property.Value))
            {
                return false;
            }
        }

        return true;
    }

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
