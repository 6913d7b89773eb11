using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// Lets <see cref="JsonSerializer"/> (and source-generated contexts) read and write
/// <see cref="Message"/> values through <see cref="MessageJson"/>. Reading does not assign ids;
/// invalid input throws <see cref="MessageValidationException"/>.
/// </summary>
public sealed class MessageJsonConverter : JsonConverter<Message>
{
    public override Message Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return MessageJson.Parse(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, Message value, JsonSerializerOptions options) =>
        MessageJson.Write(writer, value);
}
