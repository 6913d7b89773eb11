using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// Reads and writes messages in LangChain's JSON shape, by hand over <see cref="Utf8JsonWriter"/>
/// and <see cref="JsonElement"/> (no reflection).
/// </summary>
/// <remarks>
/// <para>Accepted input, as LangGraph's <c>messages</c> channel coerces it: an object with a
/// <c>type</c> or a <c>role</c> (<c>human</c>/<c>user</c>, <c>ai</c>/<c>assistant</c>,
/// <c>system</c>, <c>developer</c> (a system message marked
/// <c>additional_kwargs.__openai_role__ = "developer"</c>), <c>tool</c>, <c>remove</c>, and the chunk
/// names <c>AIMessageChunk</c>, <c>HumanMessageChunk</c>, <c>SystemMessageChunk</c>,
/// <c>ToolMessageChunk</c>); a <c>[role, content]</c> pair; a bare string (a human message); or, at
/// the top of <see cref="ParseInput"/>, a list of these. When both <c>role</c> and <c>type</c> are
/// present, <c>role</c> decides, as in LangChain. Tool calls may also come in OpenAI's shape
/// (<c>{id, type: "function", function: {name, arguments}}</c>, arguments as JSON text or object).</para>
/// <para>Top-level fields that do not belong to the message's kind are kept in
/// <see cref="Message.ExtraFields"/> and written back unchanged. (LangChain folds unknown keys of a
/// role-style dict into <c>additional_kwargs</c>; keeping them where the client put them is what
/// makes a message round-trip exactly.) Unknown keys inside tool call, tool call chunk, invalid tool
/// call and usage objects are dropped, as LangChain's typed dicts drop them; everything inside
/// <c>content</c> blocks, <c>additional_kwargs</c>, <c>response_metadata</c>, <c>args</c>,
/// <c>artifact</c> and the usage details is kept verbatim.</para>
/// <para>Written shape: <c>content</c>, <c>additional_kwargs</c>, <c>response_metadata</c>,
/// <c>type</c>, <c>name</c> and <c>id</c> (both <c>null</c> when absent, as LangChain writes them)
/// always; an ai message adds <c>tool_calls</c> and <c>invalid_tool_calls</c> (empty arrays by
/// default) and <c>usage_metadata</c> when known; a chunk adds <c>tool_call_chunks</c>; a tool
/// message adds <c>tool_call_id</c>, <c>status</c> (default <c>"success"</c>) and <c>artifact</c>
/// when present.</para>
/// </remarks>
public static class MessageJson
{
    private const string DeveloperRoleKey = "__openai_role__";

    /// <summary>Writes one message.</summary>
    public static void Write(Utf8JsonWriter writer, Message message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);

        writer.WriteStartObject();
        writer.WritePropertyName("content");
        WriteContent(writer, message.Content);
        writer.WritePropertyName("additional_kwargs");
        WriteObjectOrEmpty(writer, message.AdditionalKwargs);
        writer.WritePropertyName("response_metadata");
        WriteObjectOrEmpty(writer, message.ResponseMetadata);
        writer.WriteString("type", message.Type);
        WriteStringOrNull(writer, "name", message.Name);
        WriteStringOrNull(writer, "id", message.Id);

        switch (message)
        {
            case AIMessage ai:
                WriteAIFields(writer, ai);
                break;
            case ToolMessage tool:
                writer.WriteString("tool_call_id", tool.ToolCallId);
                writer.WriteString("status", tool.Status == ToolMessageStatus.Error ? "error" : "success");
                if (tool.Artifact is { ValueKind: not JsonValueKind.Undefined } artifact)
                {
                    writer.WritePropertyName("artifact");
                    artifact.WriteTo(writer);
                }

                break;
        }

        foreach (var (name, value) in message.ExtraFields)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes a JSON array of messages.</summary>
    public static void WriteList(Utf8JsonWriter writer, IEnumerable<Message> messages)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(messages);
        writer.WriteStartArray();
        foreach (var message in messages)
        {
            Write(writer, message);
        }

        writer.WriteEndArray();
    }

    public static string Serialize(Message message)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, message);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static JsonElement SerializeToElement(Message message) =>
        MessageJsonValues.Build(writer => Write(writer, message));

    public static JsonElement SerializeToElement(IEnumerable<Message> messages) =>
        MessageJsonValues.Build(writer => WriteList(writer, messages));

    /// <summary>
    /// Reads client input for a <c>messages</c> channel: one message-like value or a list of them.
    /// Messages without an id get one from <paramref name="newId"/> (a new UUID string by default);
    /// remove messages must carry theirs.
    /// </summary>
    /// <param name="input">The value; it is copied, so its document may be disposed afterwards.</param>
    /// <param name="path">The location of <paramref name="input"/>, used in error paths.</param>
    /// <param name="newId">Makes ids for messages that have none.</param>
    /// <exception cref="MessageValidationException">The input is not a message or list of messages.</exception>
    public static IReadOnlyList<Message> ParseInput(JsonElement input, string path = "$", Func<string>? newId = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        newId ??= NewMessageId;
        input = input.Clone();
        if (input.ValueKind != JsonValueKind.Array)
        {
            return [WithId(ParseCore(input, path), newId)];
        }

        var messages = new List<Message>(input.GetArrayLength());
        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            messages.Add(WithId(ParseCore(item, $"{path}[{index}]"), newId));
            index++;
        }

        return messages;
    }

    /// <summary>
    /// Reads one message-like value (an object with <c>type</c> or <c>role</c>, a
    /// <c>[role, content]</c> pair or a string) without assigning ids.
    /// </summary>
    /// <exception cref="MessageValidationException">The value is not a valid message.</exception>
    public static Message Parse(JsonElement element, string path = "$")
    {
        ArgumentNullException.ThrowIfNull(path);
        return ParseCore(element.Clone(), path);
    }

    /// <summary>Reads a JSON array of messages (for example stored state) without assigning ids.</summary>
    /// <exception cref="MessageValidationException">The value is not an array of valid messages.</exception>
    public static IReadOnlyList<Message> ParseList(JsonElement element, string path = "$")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new MessageValidationException(path, $"Expected an array of messages but found {Describe(element)}.");
        }

        element = element.Clone();
        var messages = new List<Message>(element.GetArrayLength());
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            messages.Add(ParseCore(item, $"{path}[{index}]"));
            index++;
        }

        return messages;
    }

    /// <summary>A new message id: a UUID string, as LangGraph assigns them.</summary>
    public static string NewMessageId() => Guid.NewGuid().ToString();

    private static Message WithId(Message message, Func<string> newId) =>
        message.Id is null ? message with { Id = newId() } : message;

    private static Message ParseCore(JsonElement element, string path) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => ParseObject(element, path),
            JsonValueKind.String => new HumanMessage { Content = MessageContent.FromText(element.GetString()!) },
            JsonValueKind.Array => ParsePair(element, path),
            _ => throw new MessageValidationException(
                path,
                $"Expected a message (an object with 'type' or 'role', a string, or a [role, content] pair) but found {Describe(element)}."),
        };

    private static Message ParsePair(JsonElement element, string path)
    {
        if (element.GetArrayLength() != 2)
        {
            throw new MessageValidationException(
                path,
                $"A message given as an array must be a [role, content] pair, but this array has {element.GetArrayLength()} items.");
        }

        var role = element[0];
        if (role.ValueKind != JsonValueKind.String)
        {
            throw new MessageValidationException($"{path}[0]", $"Expected the role as a string but found {Describe(role)}.");
        }

        var kind = ParseKind(role.GetString()!, $"{path}[0]");
        var fields = new Fields { Content = ReadContent(element[1], $"{path}[1]") };
        return Create(kind, fields, path);
    }

    private static Message ParseObject(JsonElement element, string path)
    {
        var fields = new Fields();
        string? typeName = null;
        string? typePath = null;
        var hasContent = false;

        if (element.TryGetProperty("role", out var role))
        {
            typeName = ReadRequiredString(role, $"{path}.role");
            typePath = $"{path}.role";
        }
        else if (element.TryGetProperty("type", out var type))
        {
            typeName = ReadRequiredString(type, $"{path}.type");
            typePath = $"{path}.type";
        }

        if (typeName is null || typePath is null)
        {
            throw new MessageValidationException(path, "A message object needs a 'type' (or 'role').");
        }

        var kind = ParseKind(typeName, typePath);
        Dictionary<string, JsonElement>? extras = null;

        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            var at = $"{path}.{name}";
            switch (name)
            {
                case "role" or "type":
                    break;
                case "content":
                    hasContent = true;
                    fields.Content = ReadContent(value, at);
                    break;
                case "id":
                    fields.Id = ReadOptionalString(value, at);
                    break;
                case "name":
                    fields.Name = ReadOptionalString(value, at);
                    break;
                case "additional_kwargs":
                    fields.AdditionalKwargs = ReadOptionalObject(value, at);
                    break;
                case "response_metadata":
                    fields.ResponseMetadata = ReadOptionalObject(value, at);
                    break;
                case "tool_calls" when kind is MessageKind.AI or MessageKind.AIChunk:
                    fields.ToolCalls = ReadList(value, at, ReadToolCall);
                    break;
                case "invalid_tool_calls" when kind is MessageKind.AI or MessageKind.AIChunk:
                    fields.InvalidToolCalls = ReadList(value, at, ReadInvalidToolCall);
                    break;
                case "usage_metadata" when kind is MessageKind.AI or MessageKind.AIChunk:
                    fields.Usage = ReadUsage(value, at);
                    break;
                case "tool_call_chunks" when kind is MessageKind.AIChunk:
                    fields.ToolCallChunks = ReadList(value, at, ReadToolCallChunk);
                    break;
                case "tool_call_id" when kind is MessageKind.Tool:
                    fields.ToolCallId = ReadOptionalString(value, at);
                    break;
                case "status" when kind is MessageKind.Tool:
                    fields.Status = ReadStatus(value, at);
                    break;
                case "artifact" when kind is MessageKind.Tool:
                    fields.Artifact = value;
                    break;
                default:
                    extras ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                    extras[name] = value;
                    break;
            }
        }

        if (!hasContent && kind != MessageKind.Remove)
        {
            throw new MessageValidationException(path, "A message needs 'content' (a string or an array of content blocks).");
        }

        if (extras is not null)
        {
            fields.Extras = extras;
        }

        return Create(kind, fields, path);
    }

    private static Message Create(MessageKind kind, Fields f, string path)
    {
        switch (kind)
        {
            case MessageKind.Human:
                return Common(new HumanMessage(), f);
            case MessageKind.System:
                return Common(new SystemMessage(), f);
            case MessageKind.Developer:
                var system = Common(new SystemMessage(), f);
                return system with { AdditionalKwargs = MessageJsonValues.WithProperty(system.AdditionalKwargs, DeveloperRoleKey, "developer") };
            case MessageKind.AI:
                return Common(new AIMessage(), f) with
                {
                    ToolCalls = f.ToolCalls ?? [],
                    InvalidToolCalls = f.InvalidToolCalls ?? [],
                    UsageMetadata = f.Usage,
                };
            case MessageKind.AIChunk:
                var chunks = f.ToolCallChunks ?? [];
                var (derivedCalls, derivedInvalid) = f.ToolCalls is null && chunks.Count > 0
                    ? ToolCallChunk.Parse(chunks)
                    : (f.ToolCalls ?? [], []);
                return Common(new AIMessageChunk(), f) with
                {
                    ToolCallChunks = chunks,
                    ToolCalls = derivedCalls,
                    InvalidToolCalls = f.InvalidToolCalls ?? derivedInvalid,
                    UsageMetadata = f.Usage,
                };
            case MessageKind.Tool:
                if (string.IsNullOrEmpty(f.ToolCallId))
                {
                    throw new MessageValidationException(path, "A tool message needs a 'tool_call_id' (the id of the tool call it answers).");
                }

                return Common(new ToolMessage { ToolCallId = f.ToolCallId }, f) with
                {
                    Status = f.Status,
                    Artifact = f.Artifact,
                };
            default:
                if (string.IsNullOrEmpty(f.Id))
                {
                    throw new MessageValidationException(path, "A remove message needs the 'id' of the message to remove.");
                }

                return Common(new RemoveMessage(), f);
        }
    }

    private static T Common<T>(T message, Fields f)
        where T : Message =>
        message with
        {
            Content = f.Content,
            Id = f.Id,
            Name = f.Name,
            AdditionalKwargs = f.AdditionalKwargs,
            ResponseMetadata = f.ResponseMetadata,
            ExtraFields = f.Extras,
        };

    private static MessageKind ParseKind(string name, string path) =>
        name switch
        {
            "human" or "user" or "HumanMessageChunk" => MessageKind.Human,
            "ai" or "assistant" => MessageKind.AI,
            "AIMessageChunk" => MessageKind.AIChunk,
            "system" or "SystemMessageChunk" => MessageKind.System,
            "developer" => MessageKind.Developer,
            "tool" or "ToolMessageChunk" => MessageKind.Tool,
            "remove" => MessageKind.Remove,
            _ => throw new MessageValidationException(
                path,
                $"Unknown message type '{name}'; expected one of human, user, ai, assistant, system, developer, tool, remove."),
        };

    private static MessageContent ReadContent(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return MessageContent.FromText(value.GetString()!);
            case JsonValueKind.Null:
                return MessageContent.Empty;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var block in value.EnumerateArray())
                {
                    if (block.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
                    {
                        throw new MessageValidationException(
                            $"{path}[{index}]",
                            $"A content block must be a string or an object but found {Describe(block)}.");
                    }

                    index++;
                }

                return MessageContent.FromBlocks(value);
            default:
                throw new MessageValidationException(
                    path,
                    $"Expected content as a string or an array of content blocks but found {Describe(value)}.");
        }
    }

    private static ToolCall ReadToolCall(JsonElement value, string path)
    {
        RequireObject(value, path, "a tool call");
        if (value.TryGetProperty("function", out var function))
        {
            return ReadOpenAIToolCall(value, function, path);
        }

        var name = value.TryGetProperty("name", out var n) ? ReadRequiredString(n, $"{path}.name") : null;
        if (name is null)
        {
            throw new MessageValidationException(path, "A tool call needs a 'name'.");
        }

        var args = MessageJsonValues.EmptyObject;
        if (value.TryGetProperty("args", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            RequireObject(a, $"{path}.args", "the tool call's arguments");
            args = a;
        }

        var id = value.TryGetProperty("id", out var i) ? ReadOptionalString(i, $"{path}.id") : null;
        if (value.TryGetProperty("type", out var type)
            && type.ValueKind != JsonValueKind.Null
            && !(type.ValueKind == JsonValueKind.String && type.ValueEquals(ToolCall.WireType)))
        {
            throw new MessageValidationException($"{path}.type", $"A tool call's type must be '{ToolCall.WireType}'.");
        }

        return new ToolCall(name, args, id);
    }

    private static ToolCall ReadOpenAIToolCall(JsonElement value, JsonElement function, string path)
    {
        var at = $"{path}.function";
        RequireObject(function, at, "the function of a tool call");
        var name = function.TryGetProperty("name", out var n) ? ReadRequiredString(n, $"{at}.name") : null;
        if (name is null)
        {
            throw new MessageValidationException(at, "A function call needs a 'name'.");
        }

        var args = MessageJsonValues.EmptyObject;
        if (function.TryGetProperty("arguments", out var arguments))
        {
            args = arguments.ValueKind switch
            {
                JsonValueKind.Object => arguments,
                JsonValueKind.Null => MessageJsonValues.EmptyObject,
                JsonValueKind.String => ParseArguments(arguments.GetString()!, $"{at}.arguments"),
                _ => throw new MessageValidationException(
                    $"{at}.arguments",
                    $"Expected the arguments as a JSON object or its JSON text but found {Describe(arguments)}."),
            };
        }

        var id = value.TryGetProperty("id", out var i) ? ReadOptionalString(i, $"{path}.id") : null;
        return new ToolCall(name, args, id);
    }

    private static JsonElement ParseArguments(string text, string path)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return MessageJsonValues.EmptyObject;
        }

        JsonElement parsed;
        try
        {
            parsed = MessageJsonValues.Parse(text);
        }
        catch (JsonException)
        {
            throw new MessageValidationException(path, "The arguments are not valid JSON text.");
        }

        if (parsed.ValueKind != JsonValueKind.Object)
        {
            throw new MessageValidationException(path, $"The arguments must be a JSON object but are {Describe(parsed)}.");
        }

        return parsed;
    }

    private static ToolCallChunk ReadToolCallChunk(JsonElement value, string path)
    {
        RequireObject(value, path, "a tool call chunk");
        int? index = null;
        if (value.TryGetProperty("index", out var i) && i.ValueKind != JsonValueKind.Null)
        {
            if (i.ValueKind != JsonValueKind.Number || !i.TryGetInt32(out var parsed))
            {
                throw new MessageValidationException($"{path}.index", $"Expected the index as an integer but found {Describe(i)}.");
            }

            index = parsed;
        }

        return new ToolCallChunk(
            OptionalStringProperty(value, "name", path),
            OptionalStringProperty(value, "args", path),
            OptionalStringProperty(value, "id", path),
            index);
    }

    private static InvalidToolCall ReadInvalidToolCall(JsonElement value, string path)
    {
        RequireObject(value, path, "an invalid tool call");
        return new InvalidToolCall(
            OptionalStringProperty(value, "name", path),
            OptionalStringProperty(value, "args", path),
            OptionalStringProperty(value, "id", path),
            OptionalStringProperty(value, "error", path));
    }

    private static UsageMetadata? ReadUsage(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        RequireObject(value, path, "usage metadata");
        return new UsageMetadata(
            ReadCount(value, "input_tokens", path),
            ReadCount(value, "output_tokens", path),
            ReadCount(value, "total_tokens", path))
        {
            InputTokenDetails = OptionalObjectProperty(value, "input_token_details", path),
            OutputTokenDetails = OptionalObjectProperty(value, "output_token_details", path),
        };
    }

    private static long ReadCount(JsonElement usage, string name, string path)
    {
        if (!usage.TryGetProperty(name, out var value))
        {
            throw new MessageValidationException(path, $"Usage metadata needs '{name}'.");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count) || count < 0)
        {
            throw new MessageValidationException($"{path}.{name}", $"Expected a token count (a non-negative integer) but found {Describe(value)}.");
        }

        return count;
    }

    private static ToolMessageStatus ReadStatus(JsonElement value, string path) =>
        value.ValueKind switch
        {
            JsonValueKind.Null => ToolMessageStatus.Success,
            JsonValueKind.String when value.ValueEquals("success") => ToolMessageStatus.Success,
            JsonValueKind.String when value.ValueEquals("error") => ToolMessageStatus.Error,
            _ => throw new MessageValidationException(path, "A tool message's status must be 'success' or 'error'."),
        };

    private static List<T> ReadList<T>(JsonElement value, string path, Func<JsonElement, string, T> read)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new MessageValidationException(path, $"Expected an array but found {Describe(value)}.");
        }

        var items = new List<T>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add(read(item, $"{path}[{index}]"));
            index++;
        }

        return items;
    }

    private static string? OptionalStringProperty(JsonElement obj, string name, string path) =>
        obj.TryGetProperty(name, out var value) ? ReadOptionalString(value, $"{path}.{name}") : null;

    private static JsonElement? OptionalObjectProperty(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        RequireObject(value, $"{path}.{name}", "an object");
        return value;
    }

    private static string ReadRequiredString(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new MessageValidationException(path, $"Expected a string but found {Describe(value)}.");

    private static string? ReadOptionalString(JsonElement value, string path) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => throw new MessageValidationException(path, $"Expected a string or null but found {Describe(value)}."),
        };

    private static JsonElement ReadOptionalObject(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return MessageJsonValues.EmptyObject;
        }

        RequireObject(value, path, "an object");
        return value;
    }

    private static void RequireObject(JsonElement value, string path, string what)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new MessageValidationException(path, $"Expected {what} (a JSON object) but found {Describe(value)}.");
        }
    }

    private static string Describe(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };

    private static void WriteAIFields(Utf8JsonWriter writer, AIMessage ai)
    {
        writer.WriteStartArray("tool_calls");
        foreach (var call in ai.ToolCalls)
        {
            writer.WriteStartObject();
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("args");
            WriteObjectOrEmpty(writer, call.Args);
            WriteStringOrNull(writer, "id", call.Id);
            writer.WriteString("type", ToolCall.WireType);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        writer.WriteStartArray("invalid_tool_calls");
        foreach (var call in ai.InvalidToolCalls)
        {
            writer.WriteStartObject();
            WriteStringOrNull(writer, "name", call.Name);
            WriteStringOrNull(writer, "args", call.Args);
            WriteStringOrNull(writer, "id", call.Id);
            WriteStringOrNull(writer, "error", call.Error);
            writer.WriteString("type", InvalidToolCall.WireType);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        if (ai.UsageMetadata is { } usage)
        {
            writer.WriteStartObject("usage_metadata");
            writer.WriteNumber("input_tokens", usage.InputTokens);
            writer.WriteNumber("output_tokens", usage.OutputTokens);
            writer.WriteNumber("total_tokens", usage.TotalTokens);
            if (usage.InputTokenDetails is { ValueKind: JsonValueKind.Object } input)
            {
                writer.WritePropertyName("input_token_details");
                input.WriteTo(writer);
            }

            if (usage.OutputTokenDetails is { ValueKind: JsonValueKind.Object } output)
            {
                writer.WritePropertyName("output_token_details");
                output.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        if (ai is AIMessageChunk chunk)
        {
            writer.WriteStartArray("tool_call_chunks");
            foreach (var piece in chunk.ToolCallChunks)
            {
                writer.WriteStartObject();
                WriteStringOrNull(writer, "name", piece.Name);
                WriteStringOrNull(writer, "args", piece.Args);
                WriteStringOrNull(writer, "id", piece.Id);
                if (piece.Index is { } index)
                {
                    writer.WriteNumber("index", index);
                }
                else
                {
                    writer.WriteNull("index");
                }

                writer.WriteString("type", ToolCallChunk.WireType);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteContent(Utf8JsonWriter writer, MessageContent content)
    {
        if (content.Text is { } text)
        {
            writer.WriteStringValue(text);
        }
        else
        {
            content.Blocks.WriteTo(writer);
        }
    }

    private static void WriteObjectOrEmpty(Utf8JsonWriter writer, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private enum MessageKind
    {
        Human,
        AI,
        AIChunk,
        System,
        Developer,
        Tool,
        Remove,
    }

    private sealed class Fields
    {
        public MessageContent Content { get; set; } = MessageContent.Empty;

        public string? Id { get; set; }

        public string? Name { get; set; }

        public JsonElement AdditionalKwargs { get; set; } = MessageJsonValues.EmptyObject;

        public JsonElement ResponseMetadata { get; set; } = MessageJsonValues.EmptyObject;

        public IReadOnlyDictionary<string, JsonElement> Extras { get; set; } = MessageJsonValues.NoExtraFields;

        public List<ToolCall>? ToolCalls { get; set; }

        public List<InvalidToolCall>? InvalidToolCalls { get; set; }

        public List<ToolCallChunk>? ToolCallChunks { get; set; }

        public UsageMetadata? Usage { get; set; }

        public string? ToolCallId { get; set; }

        public ToolMessageStatus Status { get; set; } = ToolMessageStatus.Success;

        public JsonElement? Artifact { get; set; }
    }
}
