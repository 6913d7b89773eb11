using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Storage.Stores;

/// <summary>JSON objects as stored in a string property: compact, non-ASCII kept as is (it only travels as UTF-8 JSON).</summary>
internal static class StoredJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonElement value) => Write(value, out _);

    /// <summary>The value as stored, and its size in bytes of UTF-8.</summary>
    public static string Write(JsonElement value, out int utf8Bytes)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            value.WriteTo(writer);
        }

        utf8Bytes = buffer.WrittenCount;
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A stored object; an absent property is <c>{}</c>.</summary>
    /// <exception cref="FormatException">The stored text is not a JSON object.</exception>
    public static JsonElement ReadObject(string? text, string name)
    {
        if (text is null)
        {
            return JsonObjects.Empty;
        }

        try
        {
            var value = JsonObjects.Parse(text);
            return value.ValueKind == JsonValueKind.Object ? value : throw new FormatException($"Property '{name}' does not hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Property '{name}' does not hold valid JSON.", ex);
        }
    }
}
