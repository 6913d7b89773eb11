using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// Adds streamed AI message chunks into one message, as LangChain adds <c>AIMessageChunk</c>s and as
/// LangGraph's <c>messages/partial</c> events show it: text deltas concatenate, tool call chunks
/// merge by index (name, args and id text concatenated; an id already set is kept), usage adds up,
/// <c>additional_kwargs</c> and <c>response_metadata</c> merge (see LangChain's <c>merge_dicts</c>),
/// the first id and name win. Tool calls and invalid tool calls are derived from the merged tool call
/// chunks (a chunk's own <c>invalid_tool_calls</c> are not carried over, as in LangChain; a chunk
/// with whole tool calls and no chunks contributes them as chunks). Not thread-safe: one accumulator
/// per streamed message.
/// </summary>
public sealed class AIMessageChunkAccumulator
{
    private readonly StringBuilder _text = new();
    private readonly List<ToolCallChunkBuilder> _toolCallChunks = [];
    private JsonArray? _blocks;
    private JsonObject? _additionalKwargs;
    private JsonObject? _responseMetadata;
    private Dictionary<string, JsonElement>? _extraFields;
    private UsageMetadata? _usage;
    private string? _id;
    private string? _name;
    private int _nextToolCallIndex;

    /// <summary>How many chunks were added.</summary>
    public int Count { get; private set; }

    /// <summary>The id of the accumulated message (the first chunk id seen), if any.</summary>
    public string? Id => _id;

    /// <summary>Adds one chunk.</summary>
    public void Add(AIMessageChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        Count++;
        _id ??= chunk.Id;
        _name ??= chunk.Name;
        AddContent(chunk.Content);
        _additionalKwargs = MergeObject(_additionalKwargs, chunk.AdditionalKwargs);
        _responseMetadata = MergeObject(_responseMetadata, chunk.ResponseMetadata);
        _usage = UsageMetadata.Add(_usage, chunk.UsageMetadata);
        foreach (var piece in chunk.ToolCallChunks)
        {
            AddToolCallChunk(piece);
        }

        if (chunk.ToolCallChunks.Count == 0)
        {
            // A chunk that carries whole tool calls only (no chunks) still contributes them.
            foreach (var call in chunk.ToolCalls)
            {
                AddToolCallChunk(new ToolCallChunk(call.Name, call.Args.GetRawText(), call.Id, _nextToolCallIndex));
            }
        }

        foreach (var (name, value) in chunk.ExtraFields)
        {
            _extraFields ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            _extraFields[name] = value;
        }
    }

    /// <summary>
    /// Converts a streaming update of an <see cref="IChatClient"/> into a chunk (see
    /// <see cref="ChatMessageConversion.ToAIMessageChunk"/>), giving its function calls the next tool
    /// call indexes, adds it, and returns it: the delta for a <c>messages-tuple</c> event.
    /// </summary>
    /// <param name="update">The update.</param>
    /// <param name="messageId">The id of the message being streamed, used when the update has none.</param>
    public AIMessageChunk Add(ChatResponseUpdate update, string? messageId = null)
    {
        ArgumentNullException.ThrowIfNull(update);
        var chunk = update.ToAIMessageChunk(_nextToolCallIndex);
        if (chunk.Id is null && (_id ?? messageId) is { } id)
        {
            chunk = chunk with { Id = id };
        }

        if (_responseMetadata is not null && chunk.ResponseMetadata.TryGetProperty("model_name", out _))
        {
            // Every update names the model; the accumulated message names it once.
            chunk = chunk with { ResponseMetadata = WithoutProperty(chunk.ResponseMetadata, "model_name") };
        }

        Add(chunk);
        return chunk;
    }

    /// <summary>The chunks added so far, as one chunk (type <c>AIMessageChunk</c>).</summary>
    public AIMessageChunk ToChunk()
    {
        var chunks = _toolCallChunks.ConvertAll(b => b.Build());
        var (toolCalls, invalid) = ToolCallChunk.Parse(chunks);
        return new AIMessageChunk
        {
            Content = _blocks is not null
                ? MessageContent.FromBlocks(MessageJsonValues.ToElement(_blocks))
                : MessageContent.FromText(_text.ToString()),
            Id = _id,
            Name = _name,
            AdditionalKwargs = _additionalKwargs is null ? MessageJsonValues.EmptyObject : MessageJsonValues.ToElement(_additionalKwargs),
            ResponseMetadata = _responseMetadata is null ? MessageJsonValues.EmptyObject : MessageJsonValues.ToElement(_responseMetadata),
            ExtraFields = _extraFields is null ? MessageJsonValues.NoExtraFields : new Dictionary<string, JsonElement>(_extraFields, StringComparer.Ordinal),
            ToolCallChunks = chunks,
            ToolCalls = toolCalls,
            InvalidToolCalls = invalid,
            UsageMetadata = _usage,
        };
    }

    /// <summary>The chunks added so far, as a complete message (type <c>ai</c>).</summary>
    public AIMessage ToMessage() => ToChunk().Complete();

    private void AddContent(MessageContent content)
    {
        if (content.Text is { } text)
        {
            if (_blocks is null)
            {
                _text.Append(text);
            }
            else if (text.Length > 0)
            {
                var last = _blocks.Count > 0 ? _blocks[^1] : null;
                if (last is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                {
                    _blocks[^1] = JsonValue.Create(value.GetValue<string>() + text);
                }
                else
                {
                    _blocks.Add(JsonValue.Create(text));
                }
            }

            return;
        }

        var blocks = (JsonArray)MessageJsonValues.ToNode(content.Blocks)!;
        if (_blocks is null)
        {
            _blocks = [];
            if (_text.Length > 0)
            {
                _blocks.Add(JsonValue.Create(_text.ToString()));
            }
        }

        JsonMerge.MergeListInto(_blocks, blocks);
    }

    private void AddToolCallChunk(ToolCallChunk piece)
    {
        var existing = piece.Index is { } index
            ? _toolCallChunks.Find(b => b.Index == index)
            : null;
        if (existing is null)
        {
            existing = new ToolCallChunkBuilder(piece.Index);
            _toolCallChunks.Add(existing);
        }

        existing.Append(piece);
        if (piece.Index is { } i && i >= _nextToolCallIndex)
        {
            _nextToolCallIndex = i + 1;
        }
    }

    private static JsonObject? MergeObject(JsonObject? accumulated, JsonElement next)
    {
        if (next.ValueKind != JsonValueKind.Object || !next.EnumerateObject().Any())
        {
            return accumulated;
        }

        var right = (JsonObject)MessageJsonValues.ToNode(next)!;
        if (accumulated is null)
        {
            return (JsonObject)right.DeepClone();
        }

        JsonMerge.MergeInto(accumulated, right);
        return accumulated;
    }

    private static JsonElement WithoutProperty(JsonElement obj, string name) =>
        MessageJsonValues.Build(writer =>
        {
            writer.WriteStartObject();
            foreach (var property in obj.EnumerateObject())
            {
                if (!property.NameEquals(name))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        });

    private sealed class ToolCallChunkBuilder(int? index)
    {
        private StringBuilder? _name;
        private StringBuilder? _args;
        private string? _id;

        public int? Index { get; } = index;

        public void Append(ToolCallChunk piece)
        {
            if (piece.Name is not null)
            {
                (_name ??= new StringBuilder()).Append(piece.Name);
            }

            if (piece.Args is not null)
            {
                (_args ??= new StringBuilder()).Append(piece.Args);
            }

            _id ??= piece.Id;
        }

        public ToolCallChunk Build() => new(_name?.ToString(), _args?.ToString(), _id, Index);
    }
}
