using System.Text.Json;

namespace AgentFunctions.Core.Messages;

/// <summary>A complete tool call of an AI message: <c>{name, args, id, type: "tool_call"}</c>.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Args">The arguments, a JSON object kept verbatim.</param>
/// <param name="Id">The call id, which the answering tool message carries as <c>tool_call_id</c>.</param>
public sealed record ToolCall(string Name, JsonElement Args, string? Id)
{
    public const string WireType = "tool_call";
}

/// <summary>
/// A streamed piece of a tool call: <c>{name, args, id, index, type: "tool_call_chunk"}</c>, where
/// <c>args</c> is a fragment of the arguments' JSON text. Pieces with the same index add up.
/// </summary>
public sealed record ToolCallChunk(string? Name, string? Args, string? Id, int? Index)
{
    public const string WireType = "tool_call_chunk";

    /// <summary>
    /// Turns accumulated chunks into tool calls: arguments that parse (partial JSON is completed, an
    /// empty text is <c>{}</c>) to an object make a <see cref="ToolCall"/>, anything else an
    /// <see cref="InvalidToolCall"/>.
    /// </summary>
    public static (IReadOnlyList<ToolCall> ToolCalls, IReadOnlyList<InvalidToolCall> InvalidToolCalls) Parse(
        IReadOnlyList<ToolCallChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var calls = new List<ToolCall>(chunks.Count);
        var invalid = new List<InvalidToolCall>();
        foreach (var chunk in chunks)
        {
            var args = string.IsNullOrEmpty(chunk.Args)
                ? MessageJsonValues.EmptyObject
                : PartialJson.TryParse(chunk.Args);
            if (args is { ValueKind: JsonValueKind.Object } parsed)
            {
                calls.Add(new ToolCall(chunk.Name ?? string.Empty, parsed, chunk.Id));
            }
            else
            {
                invalid.Add(new InvalidToolCall(chunk.Name, chunk.Args, chunk.Id, Error: null));
            }
        }

        return (calls, invalid);
    }
}

/// <summary>
/// A tool call whose arguments are not a JSON object:
/// <c>{name, args, id, error, type: "invalid_tool_call"}</c>, <c>args</c> being the raw text.
/// </summary>
public sealed record InvalidToolCall(string? Name, string? Args, string? Id, string? Error)
{
    public const string WireType = "invalid_tool_call";
}

/// <summary>
/// Token counts of a model call: <c>{input_tokens, output_tokens, total_tokens,
/// input_token_details?, output_token_details?}</c>, the details kept verbatim
/// (LangChain uses <c>audio</c>, <c>cache_read</c>, <c>cache_creation</c> and <c>audio</c>,
/// <c>reasoning</c>).
/// </summary>
public sealed record UsageMetadata(long InputTokens, long OutputTokens, long TotalTokens)
{
    /// <summary>A JSON object, or <c>null</c> when absent.</summary>
    public JsonElement? InputTokenDetails { get; init; }

    /// <summary>A JSON object, or <c>null</c> when absent.</summary>
    public JsonElement? OutputTokenDetails { get; init; }

    /// <summary>The sum of two usages (either may be <c>null</c>), details summed key by key.</summary>
    public static UsageMetadata? Add(UsageMetadata? left, UsageMetadata? right)
    {
        if (left is null || right is null)
        {
            return left ?? right;
        }

        return new UsageMetadata(
            left.InputTokens + right.InputTokens,
            left.OutputTokens + right.OutputTokens,
            left.TotalTokens + right.TotalTokens)
        {
            InputTokenDetails = JsonMerge.SumCounts(left.InputTokenDetails, right.InputTokenDetails),
            OutputTokenDetails = JsonMerge.SumCounts(left.OutputTokenDetails, right.OutputTokenDetails),
        };
    }
}
