using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.State;

/// <summary>
/// A thread's values at one checkpoint, as LangGraph reports them: <c>{"messages": [...], ...}</c>.
/// The <c>messages</c> channel is reduced with <c>add_messages</c>; every other channel keeps the last
/// value written to it. Immutable: <see cref="Apply"/> returns a new state that shares the messages.
/// </summary>
public sealed class AgentState
{
    public const string MessagesKey = "messages";

    private static readonly IReadOnlyDictionary<string, JsonElement> NoChannels = new Dictionary<string, JsonElement>();

    public AgentState(IReadOnlyList<Message> messages, IReadOnlyDictionary<string, JsonElement>? channels = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Messages = messages;
        Channels = channels ?? NoChannels;
    }

    /// <summary>The state of a thread before anything was written.</summary>
    public static AgentState Empty { get; } = new([]);

    public IReadOnlyList<Message> Messages { get; }

    /// <summary>Channels other than <c>messages</c>, by name, in the order they were first written.</summary>
    public IReadOnlyDictionary<string, JsonElement> Channels { get; }

    /// <summary>The state after <paramref name="update"/>.</summary>
    /// <exception cref="MessageValidationException">The update removes a message that is not there.</exception>
    public AgentState Apply(StateUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.IsEmpty)
        {
            return this;
        }

        var messages = update.Messages is { } added ? MessagesReducer.AddMessages(Messages, added) : Messages;
        var channels = Channels;
        if (update.Channels.Count > 0)
        {
            var merged = new Dictionary<string, JsonElement>(Channels.Count + update.Channels.Count, StringComparer.Ordinal);
            foreach (var (name, value) in Channels)
            {
                merged[name] = value;
            }

            foreach (var (name, value) in update.Channels)
            {
                merged[name] = value;
            }

            channels = merged;
        }

        return new AgentState(messages, channels);
    }

    public void WriteTo(Utf8JsonWriter writer) => StateJson.WriteObject(writer, Messages, Channels);

    public string ToJson() => StateJson.Write(WriteTo);

    /// <summary>Reads a state written by <see cref="WriteTo"/> (stored state: no coercion, ids kept as they are).</summary>
    public static AgentState Parse(JsonElement values, string path = "$")
    {
        var (messages, channels) = StateJson.Read(values, path, (element, at) => MessageJson.ParseList(element, at));
        return new AgentState(messages ?? [], channels);
    }

    public static AgentState Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement);
    }
}

/// <summary>
/// What one step writes to the state: messages for the <c>add_messages</c> reducer (null when the
/// step writes none) and values for other channels. This is what a checkpoint stores as its delta.
/// </summary>
public sealed class StateUpdate
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoChannels = new Dictionary<string, JsonElement>();

    public StateUpdate(IReadOnlyList<Message>? messages, IReadOnlyDictionary<string, JsonElement>? channels = null)
    {
        Messages = messages;
        Channels = channels ?? NoChannels;
    }

    /// <summary>An update that changes nothing.</summary>
    public static StateUpdate Empty { get; } = new(null);

    public IReadOnlyList<Message>? Messages { get; }

    public IReadOnlyDictionary<string, JsonElement> Channels { get; }

    public bool IsEmpty => Messages is null && Channels.Count == 0;

    public static StateUpdate FromMessages(params Message[] messages) => new(messages);

    public void WriteTo(Utf8JsonWriter writer) => StateJson.WriteObject(writer, Messages, Channels);

    public string ToJson() => StateJson.Write(WriteTo);

    /// <summary>
    /// Reads an update as a client sends it (<c>input</c> of a run, <c>values</c> of a state update):
    /// messages in any form LangGraph accepts, each given an id when it has none.
    /// </summary>
    /// <exception cref="MessageValidationException">The input is not an object, or a message is invalid; the path says where.</exception>
    public static StateUpdate ParseInput(JsonElement values, string path = "$")
    {
        var (messages, channels) = StateJson.Read(values, path, (element, at) => MessageJson.ParseInput(element, at));
        return new StateUpdate(messages, channels);
    }

    /// <summary>Reads an update written by <see cref="WriteTo"/>.</summary>
    public static StateUpdate ParseStored(JsonElement values)
    {
        var (messages, channels) = StateJson.Read(values, "$", (element, at) => MessageJson.ParseList(element, at));
        return new StateUpdate(messages, channels);
    }

    public static StateUpdate ParseStored(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ParseStored(document.RootElement);
    }
}

internal static class StateJson
{
    // Stored and sent as UTF-8: non-ASCII text stays as it is rather than becoming \uXXXX escapes.
    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><c>{"messages": [...], ...channels}</c>; without <c>messages</c> when there are none to write.</summary>
    public static void WriteObject(Utf8JsonWriter writer, IReadOnlyList<Message>? messages, IReadOnlyDictionary<string, JsonElement> channels)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (messages is not null)
        {
            writer.WritePropertyName(AgentState.MessagesKey);
            MessageJson.WriteList(writer, messages);
        }

        foreach (var (name, value) in channels)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    public static (IReadOnlyList<Message>? Messages, Dictionary<string, JsonElement> Channels) Read(
        JsonElement values, string path, Func<JsonElement, string, IReadOnlyList<Message>> readMessages)
    {
        if (values.ValueKind != JsonValueKind.Object)
        {
            throw new MessageValidationException(path, "must be an object of channel values");
        }

        IReadOnlyList<Message>? messages = null;
        var channels = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in values.EnumerateObject())
        {
            if (property.NameEquals(AgentState.MessagesKey))
            {
                messages = property.Value.ValueKind == JsonValueKind.Null ? null : readMessages(property.Value, $"{path}.{AgentState.MessagesKey}");
            }
            else
            {
                channels[property.Name] = property.Value.Clone();
            }
        }

        return (messages, channels);
    }
}
