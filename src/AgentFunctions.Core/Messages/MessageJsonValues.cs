using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentFunctions.Core.Messages;

/// <summary>Shared JSON values and small builders for the message model.</summary>
internal static class MessageJsonValues
{
    public static JsonElement EmptyObject { get; } = Parse("{}");

    public static IReadOnlyDictionary<string, JsonElement> NoExtraFields { get; } =
        FrozenDictionary<string, JsonElement>.Empty;

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Writes a value with <paramref name="write"/> and returns it as a detached element.</summary>
    public static JsonElement Build(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    public static JsonElement ToElement(JsonNode? node) =>
        node is null ? Parse("null") : Build(writer => node.WriteTo(writer));

    public static JsonNode? ToNode(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => JsonObject.Create(element),
            JsonValueKind.Array => JsonArray.Create(element),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => JsonValue.Create(element),
        };

    /// <summary>Returns <paramref name="obj"/> (a JSON object) with <paramref name="name"/> set.</summary>
    public static JsonElement WithProperty(JsonElement obj, string name, string value) =>
        Build(writer =>
        {
            writer.WriteStartObject();
            if (obj.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in obj.EnumerateObject())
                {
                    if (property.NameEquals(name))
                    {
                        continue;
                    }

                    property.WriteTo(writer);
                }
            }

            writer.WriteString(name, value);
            writer.WriteEndObject();
        });
}

/// <summary>Reads LangChain content blocks.</summary>
internal static class MessageContentBlocks
{
    public static bool TryGetText(JsonElement block, out string? text)
    {
        text = null;
        if (block.ValueKind == JsonValueKind.Object
            && block.TryGetProperty("type", out var type)
            && type.ValueKind == JsonValueKind.String
            && type.ValueEquals("text")
            && block.TryGetProperty("text", out var value)
            && value.ValueKind == JsonValueKind.String)
        {
            text = value.GetString();
            return true;
        }

        return false;
    }
}
