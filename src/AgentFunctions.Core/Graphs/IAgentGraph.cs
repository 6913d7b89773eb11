using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Runtime;

namespace AgentFunctions.Core.Graphs;

/// <summary>
/// A graph the executor runs by id: the built-in tool-calling loop (<see cref="AgentGraph"/>) or an Agent Framework
/// agent. A graph is stateless between runs: everything a run needs arrives in its <see cref="RunRequest"/>, and the
/// run's state lives in the checkpoint store.
/// </summary>
public interface IAgentGraph
{
    /// <summary>The graph id (<c>graph_id</c> on the wire), a <see cref="Stores.ResourceIds"/> id.</summary>
    string Id { get; }

    /// <summary>What the graph does, for people (its default assistant's description).</summary>
    string Description { get; }

    /// <summary>The settings of the graph's default assistant, which an assistant's config and a run's config are laid over.</summary>
    AssistantSettings Defaults { get; }

    /// <summary>The model names and tool names an assistant's <c>config.configurable</c> may pick among; empty when it picks none.</summary>
    ValueTask<GraphChoices> GetChoicesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs the graph. Enumerate <see cref="RunExecution.Events"/> to drive the run; when they end,
    /// <see cref="RunExecution.Outcome"/> says how. Cancelling the enumeration stops the run between two events.
    /// </summary>
    RunExecution Run(RunRequest request);
}

/// <summary>What an assistant of a graph may choose: models by name and tools by name.</summary>
public sealed record GraphChoices(IReadOnlyList<string> Models, IReadOnlyList<string> Tools)
{
    public static GraphChoices None { get; } = new([], []);
}
