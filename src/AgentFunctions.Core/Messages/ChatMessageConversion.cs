using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// Converts between thread messages and Microsoft.Extensions.AI chat messages, for the agent loop.
/// </summary>
/// <remarks>
/// Roles map human ↔ user, ai ↔ assistant, system ↔ system, tool ↔ tool. Text (a string, string
/// blocks and <c>text</c> blocks) becomes <see cref="TextContent"/>; image blocks
/// (<c>image_url</c>, or <c>image</c> with <c>url</c> or <c>base64</c> + <c>mime_type</c>) become
/// <see cref="DataContent"/> for data URIs and base64, <see cref="UriContent"/> otherwise; other
/// block types have no counterpart and are left out. Tool calls are <see cref="FunctionCallContent"/>
/// (call id, name, arguments as <see cref="JsonElement"/> values) and a tool message is a
/// <see cref="FunctionResultContent"/> with its call id. Usage goes both ways between
/// <c>usage_metadata</c> and <see cref="UsageDetails"/> (<c>cache_read</c> ↔ cached input tokens,
/// <c>reasoning</c> ↔ reasoning tokens; the audio counts are experimental there and not mapped).
/// </remarks>
public static class ChatMessageConversion
{
    /// <summary>The chat message a thread message stands for; <see cref="ChatMessage.RawRepresentation"/> is the original.</summary>
    /// <exception cref="ArgumentException">The message is a <see cref="RemoveMessage"/>, which is never sent to a model.</exception>
    public static ChatMessage ToChatMessage(this Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var role = message switch
        {
            HumanMessage => ChatRole.User,
            AIMessage => ChatRole.Assistant,
            SystemMessage => ChatRole.System,
            ToolMessage => ChatRole.Tool,
            _ => throw new ArgumentException($"A '{message.Type}' message cannot be sent to a model.", nameof(message)),
        };

        var contents = new List<AIContent>();
        if (message is ToolMessage tool)
        {
            object? result = tool.Content.Text ?? (object)tool.Content.Blocks;
            contents.Add(new FunctionResultContent(tool.ToolCallId, result));
        }
        else
        {
            AddContents(contents, message.Content);
        }

        if (message is AIMessage ai)
        {
            foreach (var call in ai.ToolCalls)
            {
                contents.Add(new FunctionCallContent(call.Id ?? string.Empty, call.Name, ToArguments(call.Args)));
            }
        }

        return new ChatMessage(role, contents)
        {
            MessageId = message.Id,
            AuthorName = message.Name,
            RawRepresentation = message,
        };
    }

    /// <summary>The chat messages for a model call, in order; remove messages are not allowed.</summary>
    public static List<ChatMessage> ToChatMessages(this IEnumerable<Message> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.Select(ToChatMessage).ToList();
    }

    /// <summary>
    /// The thread messages a chat message stands for: one, except that a tool message becomes one
    /// tool message per <see cref="FunctionResultContent"/>. Ids are the chat message's id or
    /// <c>null</c> (the reducer assigns them).
    /// </summary>
    /// <exception cref="ArgumentException">The role has no counterpart, or a tool message has no function result.</exception>
    public static IReadOnlyList<Message> ToMessages(this ChatMessage chatMessage)
    {
        ArgumentNullException.ThrowIfNull(chatMessage);
        if (chatMessage.Role == ChatRole.Tool)
        {
            var results = chatMessage.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count == 0)
            {
                throw new ArgumentException("A tool chat message needs at least one function result.", nameof(chatMessage));
            }

            return results.ConvertAll(r => (Message)new ToolMessage
            {
                ToolCallId = r.CallId,
                Content = ResultToText(r.Result),
                Status = r.Exception is null ? ToolMessageStatus.Success : ToolMessageStatus.Error,
                Id = results.Count == 1 ? chatMessage.MessageId : null,
                Name = chatMessage.AuthorName,
            });
        }

        var content = ToContent(chatMessage.Contents);
        Message message;
        if (chatMessage.Role == ChatRole.User)
        {
            message = new HumanMessage { Content = content };
        }
        else if (chatMessage.Role == ChatRole.System)
        {
            message = new SystemMessage { Content = content };
        }
        else if (chatMessage.Role == ChatRole.Assistant)
        {
            var usage = chatMessage.Contents.OfType<UsageContent>().Aggregate(
                (UsageMetadata?)null,
                (sum, u) => UsageMetadata.Add(sum, u.Details.ToUsageMetadata()));
            message = new AIMessage
            {
                Content = content,
                ToolCalls = chatMessage.Contents.OfType<FunctionCallContent>().Select(ToToolCall).ToList(),
                UsageMetadata = usage,
            };
        }
        else
        {
            throw new ArgumentException($"The chat role '{chatMessage.Role}' has no message type.", nameof(chatMessage));
        }

        return [message with { Id = chatMessage.MessageId, Name = chatMessage.AuthorName }];
    }

    /// <summary>
    /// The AI message of a complete model response: the text and function calls of its assistant
    /// messages, its usage, and <c>response_metadata</c> <c>{model_name, finish_reason}</c> when known.
    /// </summary>
    public static AIMessage ToAIMessage(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var assistant = response.Messages.Where(m => m.Role == ChatRole.Assistant).ToList();
        var contents = assistant.SelectMany(m => m.Contents).ToList();
        return new AIMessage
        {
            Id = assistant.Select(m => m.MessageId).FirstOrDefault(id => id is not null) ?? response.ResponseId,
            Name = assistant.Select(m => m.AuthorName).FirstOrDefault(n => n is not null),
            Content = ToContent(contents),
            ToolCalls = contents.OfType<FunctionCallContent>().Select(ToToolCall).ToList(),
            UsageMetadata = response.Usage?.ToUsageMetadata(),
            ResponseMetadata = ResponseMetadata(response.ModelId, response.FinishReason),
        };
    }

    /// <summary>
    /// One streaming update as a chunk: its text, its function calls as tool call chunks (whole
    /// arguments as JSON text, indexes counting up from <paramref name="firstToolCallIndex"/>), its
    /// usage, and <c>response_metadata</c> <c>{model_name, finish_reason}</c> when known. Use
    /// <see cref="AIMessageChunkAccumulator.Add(ChatResponseUpdate, string?)"/> to number tool calls
    /// across a stream.
    /// </summary>
    public static AIMessageChunk ToAIMessageChunk(this ChatResponseUpdate update, int firstToolCallIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(update);
        var index = firstToolCallIndex;
        var chunks = new List<ToolCallChunk>();
        foreach (var call in update.Contents.OfType<FunctionCallContent>())
        {
            chunks.Add(new ToolCallChunk(call.Name, ToArgs(call.Arguments).GetRawText(), call.CallId, index++));
        }

        var usage = update.Contents.OfType<UsageContent>().Aggregate(
            (UsageMetadata?)null,
            (sum, u) => UsageMetadata.Add(sum, u.Details.ToUsageMetadata()));
        var (toolCalls, invalid) = ToolCallChunk.Parse(chunks);
        return new AIMessageChunk
        {
            Id = update.MessageId,
            Name = update.AuthorName,
            Content = ToContent(update.Contents),
            ToolCallChunks = chunks,
            ToolCalls = toolCalls,
            InvalidToolCalls = invalid,
            UsageMetadata = usage,
            ResponseMetadata = ResponseMetadata(update.ModelId, update.FinishReason),
        };
    }

    /// <summary>Token counts as <c>usage_metadata</c>; a missing total is input plus output.</summary>
    public static UsageMetadata ToUsageMetadata(this UsageDetails usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var input = usage.InputTokenCount ?? 0;
        var output = usage.OutputTokenCount ?? 0;
        return new UsageMetadata(input, output, usage.TotalTokenCount ?? input + output)
        {
            InputTokenDetails = Details("cache_read", usage.CachedInputTokenCount),
            OutputTokenDetails = Details("reasoning", usage.ReasoningTokenCount),
        };
    }

    /// <summary><c>usage_metadata</c> as token counts.</summary>
    public static UsageDetails ToUsageDetails(this UsageMetadata usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return new UsageDetails
        {
            InputTokenCount = usage.InputTokens,
            OutputTokenCount = usage.OutputTokens,
            TotalTokenCount = usage.TotalTokens,
            CachedInputTokenCount = Count(usage.InputTokenDetails, "cache_read"),
            ReasoningTokenCount = Count(usage.OutputTokenDetails, "reasoning"),
        };
    }

    private static void AddContents(List<AIContent> contents, MessageContent content)
    {
        if (content.Text is { } text)
        {
            if (text.Length > 0)
            {
                contents.Add(new TextContent(text));
            }

            return;
        }

        foreach (var block in content.Blocks.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.String)
            {
                contents.Add(new TextContent(block.GetString()));
            }
            else if (MessageContentBlocks.TryGetText(block, out var blockText))
            {
                contents.Add(new TextContent(blockText) { RawRepresentation = block });
            }
            else if (TryGetImage(block) is { } image)
            {
                contents.Add(image);
            }
        }
    }

    private static AIContent? TryGetImage(JsonElement block)
    {
        if (!block.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string? url = null;
        string? mimeType = null;
        if (type.ValueEquals("image_url") && block.TryGetProperty("image_url", out var imageUrl))
        {
            url = imageUrl.ValueKind switch
            {
                JsonValueKind.String => imageUrl.GetString(),
                JsonValueKind.Object when imageUrl.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String => u.GetString(),
                _ => null,
            };
        }
        else if (type.ValueEquals("image"))
        {
            mimeType = StringProperty(block, "mime_type");
            url = StringProperty(block, "url");
            if (url is null && StringProperty(block, "base64") is { } base64 && mimeType is not null)
            {
                url = $"data:{mimeType};base64,{base64}";
            }
        }

        if (url is null)
        {
            return null;
        }

        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return new DataContent(url, mimeType) { RawRepresentation = block };
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? new UriContent(uri, mimeType ?? "image/*") { RawRepresentation = block }
            : null;
    }

    private static MessageContent ToContent(IEnumerable<AIContent> contents)
    {
        var list = contents as IList<AIContent> ?? contents.ToList();
        if (!list.Any(c => c is DataContent or UriContent))
        {
            return MessageContent.FromText(string.Concat(list.OfType<TextContent>().Select(t => t.Text)));
        }

        return MessageContent.FromBlocks(MessageJsonValues.Build(writer =>
        {
            writer.WriteStartArray();
            foreach (var content in list)
            {
                switch (content)
                {
                    case TextContent text:
                        writer.WriteStartObject();
                        writer.WriteString("type", "text");
                        writer.WriteString("text", text.Text);
                        writer.WriteEndObject();
                        break;
                    case DataContent data:
                        WriteImageUrl(writer, data.Uri);
                        break;
                    case UriContent uri:
                        WriteImageUrl(writer, uri.Uri.ToString());
                        break;
                }
            }

            writer.WriteEndArray();
        }));
    }

    private static void WriteImageUrl(Utf8JsonWriter writer, string url)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "image_url");
        writer.WriteStartObject("image_url");
        writer.WriteString("url", url);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static ToolCall ToToolCall(FunctionCallContent call) =>
        new(call.Name, ToArgs(call.Arguments), call.CallId);

    private static Dictionary<string, object?> ToArguments(JsonElement args)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (args.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in args.EnumerateObject())
            {
                arguments[property.Name] = property.Value;
            }
        }

        return arguments;
    }

    private static JsonElement ToArgs(IDictionary<string, object?>? arguments)
    {
        if (arguments is null || arguments.Count == 0)
        {
            return MessageJsonValues.EmptyObject;
        }

        return MessageJsonValues.Build(writer =>
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments)
            {
                writer.WritePropertyName(name);
                WriteValue(writer, value);
            }

            writer.WriteEndObject();
        });
    }

    private static MessageContent ResultToText(object? result) =>
        result switch
        {
            null => MessageContent.Empty,
            string text => MessageContent.FromText(text),
            JsonElement { ValueKind: JsonValueKind.String } element => MessageContent.FromText(element.GetString()!),
            _ => MessageContent.FromText(MessageJsonValues.Build(writer => WriteValue(writer, result)).GetRawText()),
        };

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            default:
                // Arbitrary values (numbers, records, dictionaries) go through the AI library's options,
                // which is also how its function invocation serializes them.
                JsonSerializer.Serialize(writer, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
                break;
        }
    }

    private static JsonElement ResponseMetadata(string? modelId, ChatFinishReason? finishReason)
    {
        if (modelId is null && finishReason is null)
        {
            return MessageJsonValues.EmptyObject;
        }

        return MessageJsonValues.Build(writer =>
        {
            writer.WriteStartObject();
            if (modelId is not null)
            {
                writer.WriteString("model_name", modelId);
            }

            if (finishReason is { } reason)
            {
                writer.WriteString("finish_reason", reason.Value);
            }

            writer.WriteEndObject();
        });
    }

    private static JsonElement? Details(string name, long? count) =>
        count is { } value
            ? MessageJsonValues.Build(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber(name, value);
                writer.WriteEndObject();
            })
            : null;

    private static long? Count(JsonElement? details, string name) =>
        details is { ValueKind: JsonValueKind.Object } d
        && d.TryGetProperty(name, out var value)
        && value.TryGetInt64(out var count)
            ? count
            : null;

    private static string? StringProperty(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
