using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// A source of tools listed lazily, such as an MCP server: a graph that names the source (by <see cref="Name"/>)
/// asks it for its tools when a run calls the model, so a source may cache its list and refresh it when it changes.
/// A source is registered in DI as a keyed <see cref="IToolSource"/> under its name.
/// </summary>
public interface IToolSource
{
    /// <summary>The source's name, as graphs name it (<c>Graphs:NAME:McpServers</c>, <c>WithMcpServers(...)</c>).</summary>
    string Name { get; }

    /// <summary>
    /// The tools the source offers now. Each name is unique across the deployment (a source prefixes its tools with
    /// its own name, <c>{Name}_{tool}</c>) and 1 to 64 letters, digits, '_' or '-'. Invoking a tool of a source that
    /// has become unreachable should return an error result (a string) or throw; the loop reports either to the model
    /// as an error tool message and the run goes on. A source that cannot list its tools may throw: the run goes on
    /// without them.
    /// </summary>
    ValueTask<IReadOnlyList<AIFunction>> GetToolsAsync(CancellationToken cancellationToken);
}
