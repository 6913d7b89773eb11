using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;

namespace AgentFunctions.Mcp;

/// <summary>
/// An MCP server's tool as the agent sees it: the server's name, description and schema under the exposed name
/// <c>SERVER__tool</c>, called through its <see cref="McpToolSource"/> (the session of the moment, bounded by the
/// source's timeout), not through the session it was listed on.
/// </summary>
internal sealed class McpToolFunction(McpToolSource source, McpClientTool tool, string exposedName) : DelegatingAIFunction(tool)
{
    public override string Name => exposedName;

    /// <summary>The tool's name on its server.</summary>
    public string ProtocolName => tool.ProtocolTool.Name;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
        source.CallToolAsync(ProtocolName, exposedName, arguments, cancellationToken);
}
