using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// A named source of tools whose list is not known when the host starts, such as an MCP server: a graph that
/// names the source gets its tools when a run needs them. A source answers with the tools it can offer now; it
/// does not throw because the service behind it is away (it answers with the tools it last knew, or none).
/// </summary>
public interface IToolSource
{
    /// <summary>The source's name, as graphs and settings name it.</summary>
    string Name { get; }

    /// <summary>The tools the source offers, each named so that it is unique among every source's tools.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<IReadOnlyList<AIFunction>> GetToolsAsync(CancellationToken cancellationToken = default);
}
