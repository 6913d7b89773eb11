using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// What invoking a tool produced: the text to hand back to the model and whether it reports an
/// error (unknown tool, bad arguments, or a tool that failed) rather than a result.
/// </summary>
public sealed record ToolResult(string Content, bool IsError)
{
    public static ToolResult Success(string content) => new(content, IsError: false);

    public static ToolResult Error(string message) => new(message, IsError: true);

    /// <summary>The result as the tool message content answering the call <paramref name="callId"/>.</summary>
    public FunctionResultContent ToFunctionResultContent(string callId) => new(callId, Content);
}
