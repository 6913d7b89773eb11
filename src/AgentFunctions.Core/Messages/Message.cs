using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// One message of a thread's <c>messages</c> channel, in the shape LangChain serializes it:
/// <c>{type, content, id, name, additional_kwargs, response_metadata, ...}</c>.
/// </summary>
/// <remarks>
/// JSON values that belong to the client (content blocks, <c>additional_kwargs</c>,
/// <c>response_metadata</c>, tool call <c>args</c>, <c>artifact</c>, and top-level fields this model
/// does not know) are kept verbatim as <see cref="JsonElement"/>s, so a message round-trips with the
/// same fields and values. Record equality compares those elements by reference, not by value;
/// compare serialized JSON when structural equality matters.
/// Serialize with <see cref="MessageJson"/> (or the <see cref="MessageJsonConverter"/> attached to
/// this type); parse client input with <see cref="MessageJson.ParseInput"/>.
/// </remarks>
[JsonConverter(typeof(MessageJsonConverter))]
public abstract record Message
{
    private protected Message()
    {
    }

    /// <summary>The wire <c>type</c>: <c>human</c>, <c>ai</c>, <c>AIMessageChunk</c>, <c>system</c>, <c>tool</c> or <c>remove</c>.</summary>
    public abstract string Type { get; }

    /// <summary>A string, or an array of content blocks kept verbatim.</summary>
    public MessageContent Content { get; init; } = MessageContent.Empty;

    public string? Id { get; init; }

    public string? Name { get; init; }

    /// <summary>A JSON object; <c>{}</c> by default.</summary>
    public JsonElement AdditionalKwargs { get; init; } = MessageJsonValues.EmptyObject;

    /// <summary>A JSON object; <c>{}</c> by default.</summary>
    public JsonElement ResponseMetadata { get; init; } = MessageJsonValues.EmptyObject;

    /// <summary>
    /// Top-level fields the client sent that this model does not know (for example <c>example</c>),
    /// written back unchanged after the known fields.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> ExtraFields { get; init; } = MessageJsonValues.NoExtraFields;
}

/// <summary>A message from the user (<c>type: "human"</c>).</summary>
public sealed record HumanMessage : Message
{
    public const string WireType = "human";

    public override string Type => WireType;
}

/// <summary>A system prompt (<c>type: "system"</c>).</summary>
public sealed record SystemMessage : Message
{
    public const string WireType = "system";

    public override string Type => WireType;
}

/// <summary>A model reply (<c>type: "ai"</c>), possibly asking for tool calls.</summary>
public record AIMessage : Message
{
    public const string WireType = "ai";

    public override string Type => WireType;

    /// <summary>Complete tool calls: <c>{name, args, id, type: "tool_call"}</c>.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>Tool calls whose arguments could not be parsed.</summary>
    public IReadOnlyList<InvalidToolCall> InvalidToolCalls { get; init; } = [];

    /// <summary>Token counts; omitted from the JSON when unknown.</summary>
    public UsageMetadata? UsageMetadata { get; init; }
}

/// <summary>
/// A streamed piece of a model reply (<c>type: "AIMessageChunk"</c>), as LangGraph sends it in the
/// <c>messages</c> stream modes. Chunks are added together with <see cref="AIMessageChunkAccumulator"/>
/// and become an <see cref="AIMessage"/> with <see cref="Complete"/>; the state never holds chunks.
/// </summary>
public sealed record AIMessageChunk : AIMessage
{
    public new const string WireType = "AIMessageChunk";

    public override string Type => WireType;

    /// <summary>Partial tool calls, merged by <see cref="ToolCallChunk.Index"/>.</summary>
    public IReadOnlyList<ToolCallChunk> ToolCallChunks { get; init; } = [];

    /// <summary>
    /// The message this chunk stands for: type <c>ai</c>, the chunks themselves dropped. When there
    /// are <see cref="ToolCallChunks"/>, the tool calls and invalid tool calls are parsed from them
    /// (arguments that do not parse to an object make an invalid tool call), as LangChain does;
    /// otherwise the chunk's own lists are kept.
    /// </summary>
    public AIMessage Complete()
    {
        var (toolCalls, invalid) = ToolCallChunks.Count > 0
            ? ToolCallChunk.Parse(ToolCallChunks)
            : (ToolCalls, InvalidToolCalls);

        return new AIMessage
        {
            Content = Content,
            Id = Id,
            Name = Name,
            AdditionalKwargs = AdditionalKwargs,
            ResponseMetadata = ResponseMetadata,
            ExtraFields = ExtraFields,
            ToolCalls = toolCalls,
            InvalidToolCalls = invalid,
            UsageMetadata = UsageMetadata,
        };
    }
}

/// <summary>The result of one tool call (<c>type: "tool"</c>).</summary>
public sealed record ToolMessage : Message
{
    public const string WireType = "tool";

    /// <summary>The id of the tool call this message answers.</summary>
    public required string ToolCallId { get; init; }

    public ToolMessageStatus Status { get; init; } = ToolMessageStatus.Success;

    /// <summary>Output kept for the application and not sent to the model; absent when <c>null</c>.</summary>
    public JsonElement? Artifact { get; init; }

    public override string Type => WireType;
}

/// <summary>Whether a tool call succeeded; serialized as <c>"success"</c> or <c>"error"</c>.</summary>
public enum ToolMessageStatus
{
    Success,
    Error,
}

/// <summary>
/// An instruction to the <c>add_messages</c> reducer (<c>type: "remove"</c>): delete the message with
/// <see cref="Message.Id"/>, or every message when the id is <see cref="RemoveAll"/>.
/// </summary>
public sealed record RemoveMessage : Message
{
    public const string WireType = "remove";

    /// <summary>LangGraph's <c>REMOVE_ALL_MESSAGES</c> sentinel id.</summary>
    public const string RemoveAll = "__remove_all__";

    public override string Type => WireType;

    public static RemoveMessage For(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new RemoveMessage { Id = id };
    }
}
